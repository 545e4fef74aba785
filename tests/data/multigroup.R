# Reference values for tests/test_multigroup.py and tests/test_invariance.py, from lavaan 0.6 and semTools 0.5.
# Run from the project root:  Rscript tests/data/multigroup.R
# Holzinger & Swineford by school; lavaan numbers the groups in order of appearance: 1 Pasteur, 2 Grant-White.
#   hs_mg_<step>_fit.json        fitMeasures of the three-factor CFA (tests/data/hs.lavaan) at each invariance step:
#                                configural, metric (loadings equal), scalar (+ intercepts), strict (+ residuals)
#   hs_mg_<step>_estimates.csv   its parameterEstimates(standardized = TRUE), with the group column
#   hs_mg_configural_tight_estimates.csv  the configural model optimised to a gradient of ~1e-9 (BFGS): lavaan's
#                                default nlminb stops ~2e-5 short of the optimum in some estimates
#   hs_mg_invariance.csv         the steps' fit and their differences, as semTools::compareFit and lavTestLRT
#   hs_mg_metric_validity.csv    per group omega (compRelSEM) and AVE of the metric fit
#   hs_mg_paths_{free,equal}_*   a structural model, textual and speed ~ visual (lavaan then frees textual ~~ speed),
#                                loadings equal, regressions free or equal; "x1 ~~ r*x1" labels x1's residual
#                                variance in both groups, which makes it one parameter (lavaan's rule)
#   hs_mg_paths_lrt.json         lavTestLRT(equal, free)
# RQ4 of the instrument (analysis.hypotheses._multigroup) on simulated respondents:
#   rq4_sample.csv               the analysis sample (reverse-keyed items recoded) of the instrument's model fitted to
#                                500 simulated respondents, written from Python by
#                                python -c "import analysis; r = analysis.fit(analysis.simulate(500, seed=1));
#                                           r.data.to_csv('tests/data/rq4_sample.csv', index=False, float_format='%g')"
#   rq4_lrt.json                 structural paths equal vs free between low and high real-time marketing (split at
#                                the median of the mean rtm item score, the median counting as low), loadings equal
suppressMessages({library(lavaan); library(semTools); library(jsonlite)})
out <- "tests/data"
hs <- read.csv(file.path(out, "hs1939.csv"))
measures <- c("npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "srmr",
              "aic", "bic", "logl", "unrestricted.logl", "baseline.chisq", "baseline.df")

save_estimates <- function(fit, name) {
  pe <- parameterEstimates(fit, standardized = TRUE)
  keep <- c("lhs", "op", "rhs", "group", "label", "est", "se", "z", "pvalue", "ci.lower", "ci.upper", "std.all")
  pe <- pe[pe$op != "==", intersect(keep, names(pe))]  # "==": lavaan's rows for the equality constraints
  write.csv(pe, file.path(out, paste0(name, "_estimates.csv")), row.names = FALSE)
}

save_groups <- function(fit, name) {
  fm <- as.list(fitMeasures(fit, measures))
  fm$n <- lavInspect(fit, "ntotal")
  fm$group_n <- as.list(setNames(lavInspect(fit, "nobs"), lavInspect(fit, "group.label")))
  write_json(fm, file.path(out, paste0(name, "_fit.json")), digits = NA, auto_unbox = TRUE, pretty = TRUE)
  save_estimates(fit, name)
  fit
}

hs_model <- paste(readLines(file.path(out, "hs.lavaan")), collapse = "\n")
steps <- list(configural = "", metric = "loadings", scalar = c("loadings", "intercepts"),
              strict = c("loadings", "intercepts", "residuals"))
fits <- lapply(names(steps), function(step) {
  save_groups(cfa(hs_model, data = hs, group = "school", group.equal = steps[[step]]), paste0("hs_mg_", step))
})
names(fits) <- names(steps)

tight <- cfa(hs_model, data = hs, group = "school", optim.method = "BFGS", control = list(reltol = 1e-16))
cat(sprintf("tight configural fit: largest gradient %.1e\n", max(abs(lavInspect(tight, "gradient")))))
save_estimates(tight, "hs_mg_configural_tight")

# The invariance table: each step's fit and, from the second row on, its differences to the step before
# (lavTestLRT is the chi-square difference test compareFit reports).
rows <- lapply(seq_along(fits), function(k) {
  fm <- fitMeasures(fits[[k]], c("npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr", "aic", "bic"))
  row <- as.data.frame(as.list(fm))
  if (k == 1) {
    row[c("delta_chisq", "delta_df", "delta_pvalue", "delta_cfi", "delta_rmsea")] <- NA
  } else {
    lrt <- lavTestLRT(fits[[k]], fits[[k - 1]])
    previous <- fitMeasures(fits[[k - 1]], c("cfi", "rmsea"))
    row$delta_chisq <- lrt[["Chisq diff"]][2]
    row$delta_df <- lrt[["Df diff"]][2]
    row$delta_pvalue <- lrt[["Pr(>Chisq)"]][2]
    row$delta_cfi <- fm[["cfi"]] - previous[["cfi"]]
    row$delta_rmsea <- fm[["rmsea"]] - previous[["rmsea"]]
  }
  cbind(step = names(fits)[k], row)
})
write.csv(do.call(rbind, rows), file.path(out, "hs_mg_invariance.csv"), row.names = FALSE)
# compareFit's own differences, to show the table above is what semTools prints
print(summary(compareFit(fits$configural, fits$metric, fits$scalar, fits$strict, nested = TRUE)))

omega <- compRelSEM(fits$metric)
ave <- AVE(fits$metric)
validity <- data.frame(school = rep(omega$group, 3), construct = rep(c("visual", "textual", "speed"), each = 2),
                       omega = unlist(omega[, -1]), ave = unlist(ave[, -1]))
write.csv(validity, file.path(out, "hs_mg_metric_validity.csv"), row.names = FALSE)

paths <- paste(hs_model, "textual ~ visual", "speed ~ visual", "x1 ~~ r*x1", sep = "\n")
free <- save_groups(sem(paths, data = hs, group = "school", group.equal = "loadings"), "hs_mg_paths_free")
equal <- save_groups(sem(paths, data = hs, group = "school", group.equal = c("loadings", "regressions")),
                     "hs_mg_paths_equal")
lrt <- lavTestLRT(equal, free)
write_json(list(chisq_diff = lrt[["Chisq diff"]][2], df_diff = lrt[["Df diff"]][2], pvalue = lrt[["Pr(>Chisq)"]][2]),
           file.path(out, "hs_mg_paths_lrt.json"), digits = NA, auto_unbox = TRUE, pretty = TRUE)

# RQ4: the structural model of the instrument without its labels (they would tie the paths across groups) and
# without rtm, the construct that defines the groups
rq4 <- read.csv(file.path(out, "rq4_sample.csv"))
score <- rowMeans(rq4[, paste0("rtm_", 1:4)])
rq4$rtm_level <- ifelse(score <= median(score), "low", "high")
rq4_model <- "
smu =~ smu_micro + smu_sns + smu_voip + smu_geo
pse =~ pse_1 + pse_2 + pse_3 + pse_4
inf =~ inf_1 + inf_2 + inf_3 + inf_4 + inf_5
fin =~ fin_1 + fin_2 + fin_3 + fin_4
soc =~ soc_1 + soc_2 + soc_3 + soc_4 + soc_5
coo =~ coo_1 + coo_2 + coo_3 + coo_4 + coo_5
ada =~ ada_1 + ada_2 + ada_3 + ada_4 + ada_5
ltr =~ ltr_1 + ltr_2 + ltr_3 + ltr_4 + ltr_5
dec =~ dec_1 + dec_2 + dec_3 + dec_4 + dec_5
ctl =~ ctl_1 + ctl_2 + ctl_3 + ctl_4
inf ~ smu
soc ~ smu
ltr ~ inf + soc + smu
coo ~ inf + soc
ada ~ smu
ctl ~ smu
dec ~ pse + inf + fin + soc"
rq4_free <- sem(rq4_model, data = rq4, group = "rtm_level", group.equal = "loadings")
rq4_equal <- sem(rq4_model, data = rq4, group = "rtm_level", group.equal = c("loadings", "regressions"))
lrt <- lavTestLRT(rq4_equal, rq4_free)
write_json(list(chisq_diff = lrt[["Chisq diff"]][2], df_diff = lrt[["Df diff"]][2], pvalue = lrt[["Pr(>Chisq)"]][2],
                group_n = as.list(setNames(lavInspect(rq4_free, "nobs"), lavInspect(rq4_free, "group.label")))),
           file.path(out, "rq4_lrt.json"), digits = NA, auto_unbox = TRUE, pretty = TRUE)

# Speed reference for the benchmark: lavaan's three cfa() calls of an invariance table (mean of 10 runs).
timing <- system.time(for (k in 1:10) for (step in steps[1:3]) cfa(hs_model, data = hs, group = "school",
                                                                   group.equal = step))
cat(sprintf("lavaan %s, semTools %s: configural + metric + scalar cfa() in %.3f s\n", packageVersion("lavaan"),
            packageVersion("semTools"), timing[["elapsed"]] / 10))
