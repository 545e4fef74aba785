# Reference values for tests/test_polychoric.py and tests/test_ordinal.py (issue 16: ordinal items), from lavaan 0.6.14,
# semTools 0.5-6 and psych. Run from the project root:  Rscript tests/data/ordinal.R
#
# Data:
#   hs_ordinal.csv              hs1939.csv's x1..x9 cut into 3 or 4 categories (1, 2, ...) at the stated points below
#                               (category = 1 + the number of points below the score); x9c: x9 uncut (continuous);
#                               school unchanged
#   hs_ordinal_missing.csv      hs_ordinal.csv with 10% of x1..x9 missing completely at random (set.seed(16))
# Polychorics (two-step, as lavCor(..., ordered =)):
#   ordinal_cor.csv             lavCor(x1..x9, ordered = x1..x9): the polychoric matrix
#   ordinal_th.csv              its thresholds (name "x1|t1", value)
#   ordinal_gamma.csv           NACOV of the ordinal_cfa fit below (lavCor keeps none): N times the asymptotic covariance of
#                               (thresholds, polychorics), polychorics in lavaan's order (x2-x1, x3-x1, ..., x9-x8)
#   ordinal_mixed_cor.csv       lavCor(x1..x8 ordinal, x9c continuous): polychorics and polyserials
#   ordinal_mixed_th.csv        its thresholds (lavCor(output = "th") leaves out the mean of x9c)
#   ordinal_mixed3_cor.csv      lavCor(x1..x6 ordinal, x7c, x8c, x9c continuous: hs1939.csv's x7, x8, x9): polychorics,
#                               polyserials and Pearson correlations
#   ordinal_mixed_pairwise_cor.csv  lavCor(x1..x8 ordinal, x9c), missing = "pairwise", on hs_ordinal_missing.csv
#   ordinal_psych_rho.csv       psych::polychoric(x1..x9)$rho
#   ordinal_psych_tau.csv       psych::polychoric(x1..x9)$tau, long (item, threshold, value); psych warns that the
#                               items have unequal numbers of categories and sets global = FALSE
#   ordinal_pairwise_cor.csv, ordinal_pairwise_th.csv, ordinal_pairwise_gamma.csv
#                               the same on hs_ordinal_missing.csv with missing = "pairwise" (gamma: ordinal_pairwise)
# Fits (files as sem_core.R's: <name>_fit.json, <name>_estimates.csv), all with ordered = x1..x9:
#   ordinal_cfa                 cfa(hs.lavaan, estimator = "WLSMV")
#   ordinal_cfa_dwls            cfa(hs.lavaan, estimator = "DWLS")
#   ordinal_mixed_cfa           cfa(hs.lavaan with x9c for x9, ordered = x1..x8, estimator = "WLSMV"); its NACOV
#                               (ordinal_mixed_gamma.csv) and sample statistics (ordinal_mixed_wls_obs.csv:
#                               thresholds and the mean of x9c, its variance, then the correlations and covariances)
#   ordinal_mixed_cfa_dwls, ordinal_mixed_cfa_ulsmv  the same by DWLS and ULSMV; ordinal_mixed_htmt.csv: its
#                               htmt(ordered = x1..x8, htmt2 = FALSE)
#   ordinal_mixed_sem           ordinal_sem with x9c continuous; ordinal_mixed_mg_configural, ordinal_mixed_mg_loadings:
#                               the CFA with x9c by school, configural and group.equal = "loadings";
#                               ordinal_mixed_mg_thresholds, ordinal_mixed_mg_thresholds_loadings: group.equal =
#                               "thresholds" (which holds x9c's intercept equal), c("thresholds", "loadings");
#                               ordinal_mixed_pairwise: the CFA with x9c on hs_ordinal_missing.csv, missing = "pairwise";
#                               ordinal_mixed_cfa_theta: ordinal_mixed_cfa with parameterization = "theta"
#   ordinal_mixed3_cfa          the same with x7c, x8c, x9c continuous (x1..x6 ordinal, ordinal_mixed3_cor.csv's data);
#                               its NACOV: ordinal_mixed3_gamma.csv
#   ordinal_cfa_ulsmv           cfa(hs.lavaan, estimator = "ULSMV")
#   ordinal_cfa_std_lv          cfa(hs.lavaan, estimator = "WLSMV", std.lv = TRUE)
#   ordinal_sem                 sem(), WLSMV: hs.lavaan + textual ~ a*visual, speed ~ b*textual, ab := a*b
#   ordinal_pairwise            cfa(hs.lavaan, estimator = "WLSMV", missing = "pairwise") on hs_ordinal_missing.csv
#   ordinal_mg_configural       cfa(hs.lavaan, estimator = "WLSMV", group = "school")
#   ordinal_mg_thresholds       the same with group.equal = "thresholds" (lavaan 0.6.14 then frees the scales ~*~ and
#                               the latent means in the second group)
#   ordinal_mg_loadings         group.equal = c("thresholds", "loadings")
#   ordinal_mg_loadings_only    group.equal = "loadings" (scales and latent means stay fixed)
#   ordinal_we_<step>           measEq.syntax(ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016"), steps configural,
#                               thresholds, metric (thresholds and loadings); ordinal_invariance.csv: their
#                               fitMeasures and lavTestLRT (satorra.2000, scaled.shifted) to the step before
#   ordinal_cfa_theta, ordinal_sem_theta   ordinal_cfa and ordinal_sem with parameterization = "theta"
#   ordinal_mg_theta_thresholds, ordinal_we_theta_metric   theta with groups: ordinal_mg_thresholds, ordinal_we_metric
# Reliability and validity of the ordinal_cfa fit (semTools):
#   ordinal_reliability.csv     per factor: alpha = compRelSEM(tau.eq = TRUE, ord.scale = FALSE) (ordinal alpha),
#                               omega = compRelSEM() (categorical omega, Green & Yang 2009), ave = AVE()
#   ordinal_htmt.csv, ordinal_htmt2.csv  htmt(hs.lavaan, ordered = x1..x9, htmt2 = FALSE / TRUE)
#   ordinal_mg_reliability.csv  the same three per school of the ordinal_mg_configural fit (long: school, construct,
#                               value, what)
suppressMessages({library(lavaan); library(semTools); library(psych); library(jsonlite)})
out <- "tests/data"

cuts <- list(x1 = c(4.2, 5.0, 5.7), x2 = c(5.4, 6.6), x3 = c(1.5, 2.2, 3.0), x4 = c(2.5, 3.4), x5 = c(3.6, 4.6, 5.3),
             x6 = c(1.5, 2.5), x7 = c(3.6, 4.6), x8 = c(5.0, 5.6, 6.1), x9 = c(4.9, 5.8))
items <- names(cuts)
hs <- read.csv(file.path(out, "hs1939.csv"))
d <- data.frame(school = hs$school)
for (v in items) d[[v]] <- 1L + vapply(hs[[v]], function(x) sum(x > cuts[[v]]), 1L)
d$x9c <- hs$x9
# no empty cell in any pair's table (lavaan would add 0.5 to it, psych would not: the references would disagree)
for (a in items) for (b in items) if (a < b) stopifnot(all(table(d[[a]], d[[b]]) > 0))
write.csv(d, file.path(out, "hs_ordinal.csv"), row.names = FALSE)
set.seed(16)
dm <- d
dm[items][matrix(runif(nrow(d) * 9) < 0.10, ncol = 9)] <- NA
write.csv(dm, file.path(out, "hs_ordinal_missing.csv"), row.names = FALSE)

write_ref <- function(x, file) {
  write_json(x, file.path(out, file), digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null")
}
write_matrix <- function(m, file) write.csv(as.data.frame(m), file.path(out, file))
write_th <- function(th, file) write.csv(data.frame(name = names(th), value = unname(th)), file.path(out, file),
                                         row.names = FALSE)

write_matrix(lavCor(d[items], ordered = items), "ordinal_cor.csv")
write_th(lavCor(d[items], ordered = items, output = "th"), "ordinal_th.csv")
mixed <- c(items[1:8], "x9c")
write_matrix(lavCor(d[mixed], ordered = items[1:8]), "ordinal_mixed_cor.csv")
write_th(lavCor(d[mixed], ordered = items[1:8], output = "th"), "ordinal_mixed_th.csv")
dc <- cbind(d[items[1:6]], x7c = hs$x7, x8c = hs$x8, x9c = hs$x9)
write_matrix(lavCor(dc, ordered = items[1:6]), "ordinal_mixed3_cor.csv")
write_matrix(lavCor(dm[mixed], ordered = items[1:8], missing = "pairwise"), "ordinal_mixed_pairwise_cor.csv")
pc <- psych::polychoric(d[items])
write_matrix(pc$rho, "ordinal_psych_rho.csv")
tau <- pc$tau
tau_long <- do.call(rbind, lapply(rownames(tau), function(v) {
  data.frame(item = v, threshold = seq_len(ncol(tau)), value = unname(tau[v, ]))
}))
write.csv(tau_long[is.finite(tau_long$value), ], file.path(out, "ordinal_psych_tau.csv"), row.names = FALSE)

measures <- c("npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "srmr",
              "baseline.chisq", "baseline.df", "chisq.scaled", "df.scaled", "pvalue.scaled", "chisq.scaling.factor",
              "chisq.shift.parameter", "baseline.chisq.scaled", "baseline.df.scaled",
              "baseline.chisq.scaling.factor", "baseline.chisq.shift.parameter", "cfi.scaled", "tli.scaled",
              "rmsea.scaled", "rmsea.ci.lower.scaled", "rmsea.ci.upper.scaled", "cfi.robust", "tli.robust",
              "rmsea.robust", "rmsea.ci.lower.robust", "rmsea.ci.upper.robust", "srmr_bentler", "wrmr")
save_ordinal <- function(fit, name) {
  fm <- as.list(fitMeasures(fit, intersect(measures, names(fitMeasures(fit)))))
  fm$n <- lavInspect(fit, "ntotal")
  fm$ngroups <- lavInspect(fit, "ngroups")
  if (fm$ngroups > 1) fm$group_n <- as.list(setNames(lavInspect(fit, "nobs"), lavInspect(fit, "group.label")))
  fm$converged <- lavInspect(fit, "converged")
  options <- lavInspect(fit, "options")
  fm[c("estimator", "test", "se", "parameterization")] <- list(options$estimator, options$test, options$se,
                                                              options$parameterization)
  write_ref(fm, paste0(name, "_fit.json"))
  pe <- parameterEstimates(fit, standardized = TRUE)
  keep <- c("lhs", "op", "rhs", "group", "label", "est", "se", "z", "pvalue", "ci.lower", "ci.upper", "std.all")
  write.csv(pe[, intersect(keep, names(pe))], file.path(out, paste0(name, "_estimates.csv")), row.names = FALSE)
  cat(sprintf("%-22s npar %2d  df %2d  chisq %9.4f  scaled %9.4f\n", name, fm$npar, fm$df, fm$chisq,
              fm$chisq.scaled))
}
hs_model <- paste(readLines(file.path(out, "hs.lavaan")), collapse = "\n")
wlsmv <- cfa(hs_model, d, ordered = items, estimator = "WLSMV")
save_ordinal(wlsmv, "ordinal_cfa")
write.csv(wlsmv@SampleStats@NACOV[[1]], file.path(out, "ordinal_gamma.csv"), row.names = FALSE)
write.csv(data.frame(construct = c("visual", "textual", "speed"),
                     alpha = compRelSEM(wlsmv, tau.eq = TRUE, ord.scale = FALSE), omega = compRelSEM(wlsmv),
                     ave = AVE(wlsmv)), file.path(out, "ordinal_reliability.csv"), row.names = FALSE)
write_matrix(as.matrix(htmt(hs_model, d, ordered = items, htmt2 = FALSE)), "ordinal_htmt.csv")
write_matrix(as.matrix(htmt(hs_model, d, ordered = items)), "ordinal_htmt2.csv")
save_ordinal(cfa(hs_model, d, ordered = items, estimator = "DWLS"), "ordinal_cfa_dwls")
structural <- paste(hs_model, "textual ~ a*visual", "speed ~ b*textual", "ab := a*b", sep = "\n")
mixed_model <- sub("x9", "x9c", hs_model, fixed = TRUE)
mixed_fit <- cfa(mixed_model, d, ordered = items[1:8], estimator = "WLSMV")
save_ordinal(mixed_fit, "ordinal_mixed_cfa")
write.csv(mixed_fit@SampleStats@NACOV[[1]], file.path(out, "ordinal_mixed_gamma.csv"), row.names = FALSE)
wls_obs <- lavInspect(mixed_fit, "wls.obs")
write.csv(data.frame(name = names(wls_obs), value = unname(wls_obs)), file.path(out, "ordinal_mixed_wls_obs.csv"),
          row.names = FALSE)
save_ordinal(cfa(mixed_model, d, ordered = items[1:8], estimator = "DWLS"), "ordinal_mixed_cfa_dwls")
save_ordinal(cfa(mixed_model, d, ordered = items[1:8], estimator = "ULSMV"), "ordinal_mixed_cfa_ulsmv")
write_matrix(as.matrix(htmt(mixed_model, d, ordered = items[1:8], htmt2 = FALSE)), "ordinal_mixed_htmt.csv")
save_ordinal(sem(sub("x9", "x9c", structural, fixed = TRUE), d, ordered = items[1:8], estimator = "WLSMV"),
             "ordinal_mixed_sem")
save_ordinal(cfa(mixed_model, d, ordered = items[1:8], estimator = "WLSMV", group = "school"),
             "ordinal_mixed_mg_configural")
# (nlminb stops this fit 3e-5 short in x9c's residual variance, relative, moving its p-value by 1e-5: BFGS)
save_ordinal(cfa(mixed_model, d, ordered = items[1:8], estimator = "WLSMV", group = "school", group.equal = "loadings",
                 optim.method = "BFGS"), "ordinal_mixed_mg_loadings")
# group.equal = "thresholds" holds x9c's intercept equal too (lavaan keeps it among the thresholds); nlminb stops
# this flat fit 1e-4 short in the second group's variance of speed, relative: BFGS (closer, not there either)
save_ordinal(cfa(mixed_model, d, ordered = items[1:8], estimator = "WLSMV", group = "school",
                 group.equal = "thresholds", optim.method = "BFGS"), "ordinal_mixed_mg_thresholds")
save_ordinal(cfa(mixed_model, d, ordered = items[1:8], estimator = "WLSMV", group = "school",
                 group.equal = c("thresholds", "loadings")), "ordinal_mixed_mg_thresholds_loadings")
save_ordinal(cfa(mixed_model, dm, ordered = items[1:8], estimator = "WLSMV", missing = "pairwise"),
             "ordinal_mixed_pairwise")
save_ordinal(cfa(mixed_model, d, ordered = items[1:8], estimator = "WLSMV", parameterization = "theta"),
             "ordinal_mixed_cfa_theta")
mixed3_model <- gsub("x([789])", "x\\1c", hs_model)
mixed3_fit <- cfa(mixed3_model, dc, ordered = items[1:6], estimator = "WLSMV")
save_ordinal(mixed3_fit, "ordinal_mixed3_cfa")
write.csv(mixed3_fit@SampleStats@NACOV[[1]], file.path(out, "ordinal_mixed3_gamma.csv"), row.names = FALSE)
save_ordinal(cfa(hs_model, d, ordered = items, estimator = "ULSMV"), "ordinal_cfa_ulsmv")
save_ordinal(cfa(hs_model, d, ordered = items, estimator = "WLSMV", std.lv = TRUE), "ordinal_cfa_std_lv")
save_ordinal(sem(structural, d, ordered = items, estimator = "WLSMV"), "ordinal_sem")

pairwise <- cfa(hs_model, dm, ordered = items, estimator = "WLSMV", missing = "pairwise")
save_ordinal(pairwise, "ordinal_pairwise")
write.csv(pairwise@SampleStats@NACOV[[1]], file.path(out, "ordinal_pairwise_gamma.csv"), row.names = FALSE)
write_matrix(lavCor(dm[items], ordered = items, missing = "pairwise"), "ordinal_pairwise_cor.csv")
write_th(lavCor(dm[items], ordered = items, missing = "pairwise", output = "th"), "ordinal_pairwise_th.csv")

save_ordinal(cfa(hs_model, d, ordered = items, estimator = "WLSMV", group = "school"), "ordinal_mg_configural")
save_ordinal(cfa(hs_model, d, ordered = items, estimator = "WLSMV", group = "school", group.equal = "thresholds"),
             "ordinal_mg_thresholds")
save_ordinal(cfa(hs_model, d, ordered = items, estimator = "WLSMV", group = "school",
                 group.equal = c("thresholds", "loadings")), "ordinal_mg_loadings")
save_ordinal(cfa(hs_model, d, ordered = items, estimator = "WLSMV", group = "school", group.equal = "loadings"),
             "ordinal_mg_loadings_only")

# Invariance of ordinal items (analysis.invariance(ordered =)): semTools' measEq.syntax with ID.fac = "std.lv",
# ID.cat = "Wu.Estabrook.2016" (delta), fitted by WLSMV; lavTestLRT's default difference test (satorra.2000,
# scaled.shifted) between consecutive steps.
steps <- list(configural = "configural", thresholds = "thresholds", metric = c("thresholds", "loadings"))
invariance_fits <- lapply(names(steps), function(step) {
  syntax <- measEq.syntax(hs_model, data = d, ordered = items, parameterization = "delta", ID.fac = "std.lv",
                          ID.cat = "Wu.Estabrook.2016", group = "school", group.equal = steps[[step]])
  fit <- cfa(as.character(syntax), d, ordered = items, estimator = "WLSMV", group = "school")
  save_ordinal(fit, paste0("ordinal_we_", step))
  fit
})
invariance_table <- do.call(rbind, lapply(seq_along(steps), function(k) {
  fm <- fitMeasures(invariance_fits[[k]], c("npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr",
                                            "chisq.scaled", "df.scaled", "pvalue.scaled", "cfi.scaled", "tli.scaled",
                                            "rmsea.scaled"))
  row <- data.frame(step = names(steps)[k], t(unclass(fm)), delta.chisq = NA, delta.df = NA, delta.pvalue = NA)
  if (k > 1) {
    lrt <- lavTestLRT(invariance_fits[[k - 1]], invariance_fits[[k]])
    row[c("delta.chisq", "delta.df", "delta.pvalue")] <- c(lrt[2, "Chisq diff"], lrt[2, "Df diff"],
                                                           lrt[2, "Pr(>Chisq)"])
  }
  row
}))
write.csv(invariance_table, file.path(out, "ordinal_invariance.csv"), row.names = FALSE)

# The theta parameterization (residual variances of the latent responses free, scales derived)
save_ordinal(cfa(hs_model, d, ordered = items, estimator = "WLSMV", parameterization = "theta"), "ordinal_cfa_theta")
save_ordinal(sem(structural, d, ordered = items, estimator = "WLSMV", parameterization = "theta"), "ordinal_sem_theta")
# ... and with groups: lavaan's group.equal = "thresholds" (residual variances and latent means free in the second
# group) and Wu & Estabrook's metric step under theta (measEq.syntax(parameterization = "theta"))
save_ordinal(cfa(hs_model, d, ordered = items, estimator = "WLSMV", group = "school", parameterization = "theta",
                 group.equal = "thresholds"), "ordinal_mg_theta_thresholds")
theta_syntax <- measEq.syntax(hs_model, data = d, ordered = items, parameterization = "theta", ID.fac = "std.lv",
                              ID.cat = "Wu.Estabrook.2016", group = "school", group.equal = c("thresholds", "loadings"))
# (nlminb stops this flatter fit 1e-4 short of the optimum, relative, and no tighter rel.tol converges: BFGS)
save_ordinal(cfa(as.character(theta_syntax), d, ordered = items, estimator = "WLSMV", group = "school",
                 parameterization = "theta", optim.method = "BFGS"), "ordinal_we_theta_metric")

# Reliability per group of the configural ordinal_mg_configural fit (semTools; constrained fits are refused)
configural <- cfa(hs_model, d, ordered = items, estimator = "WLSMV", group = "school")
by_group <- function(x, name) {
  x <- as.data.frame(x)
  do.call(rbind, lapply(seq_len(nrow(x)), function(k) {
    data.frame(school = x$group[k], construct = names(x)[-1], value = unlist(x[k, -1]), what = name)
  }))
}
reliability_mg <- rbind(by_group(compRelSEM(configural, tau.eq = TRUE, ord.scale = FALSE), "alpha"),
                        by_group(compRelSEM(configural), "omega"), by_group(AVE(configural), "ave"))
write.csv(reliability_mg, file.path(out, "ordinal_mg_reliability.csv"), row.names = FALSE)
