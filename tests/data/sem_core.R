# Reference values for tests/test_sem_core.py (issue 13: one SEM core), from lavaan 0.6.14 and semTools 0.5-6.
# Run from the project root:  Rscript tests/data/sem_core.R
#
# Data (read by the tests; hs1939.csv, political_democracy.csv and hs_missing.csv come from the other scripts and are
# only read here):
#   hs_full.csv                 lavaan's HolzingerSwineford1939 unchanged, every column (id, sex, ageyr, agemo, school,
#                               grade, x1..x9): the MIMIC models need ageyr
#   hs_full_missing.csv         hs_full with 10% of x1..x9 missing completely at random (set.seed(13)); the covariates
#                               sex and ageyr stay complete
# Per fit:
#   core_<name>_fit.json        the fitMeasures lavaan defines for the fit (NA as null), n (ntotal), ngroups, converged,
#                               group_n (grouped fits) and lavaan's choices: estimator, test, se, information, missing,
#                               fixed.x, meanstructure
#   core_<name>_estimates.csv   parameterEstimates(standardized = TRUE) with every row summary() prints: fixed rows, ~1,
#                               :=, and the user's ==, <, > constraints, which parameterEstimates leaves out by default
#                               (not the == rows lavaan adds for group.equal); the group column in grouped fits
# The fits, all sem() on HS's three factors (tests/data/hs.lavaan, data hs1939.csv) unless said:
#   core_second_order           + g =~ visual + textual + speed
#   core_mimic                  + visual + textual + speed ~ sex + ageyr (one line, fixed.x = TRUE) on hs_full.csv;
#                               written one line per outcome it gives identical numbers (asserted below), so that
#                               syntax has no file of its own: the test checks both against core_mimic
#   core_mimic_random           core_mimic with fixed.x = FALSE
#   core_mimic_fiml             core_mimic on hs_full_missing.csv, missing = "ml" (fixed.x = TRUE)
#   core_path                   Political Democracy, observed: y1 ~ x1 + x2; y5 ~ y1 + x1 (df 1)
#   core_intercepts             + x1 ~ 1, x2 ~ i*1, x3 ~ i*1 (equal intercepts), visual ~ 0*1: meanstructure implied
#   core_meanstructure          meanstructure = TRUE
#   core_equality               labelled loadings with a == b and c == 2*d
#   core_effects                effects coding of visual: NA*x1 + a1*x1 + a2*x2 + a3*x3, a1 + a2 + a3 == 3
#   core_bounds                 + x9 ~~ v9*x9, v9 > 0 (inactive bound)
#   core_bound_active           speed =~ x7 + x8 + c9*x9, c9 < 0.5 (active bound)
#   core_nonlinear              visual =~ x1 + a*x2 + b*x3, a == b^2
#   core_std_lv, core_orthogonal  std.lv = TRUE; orthogonal = TRUE
#   core_mg_modifiers           by school: c(a1, a2)*x2, c(b, b)*x3, c(1, NA)*x6 (x6 fixed at 1 in group 1 only)
#   core_mg_partial_metric      by school, group.equal = "loadings", group.partial = "visual=~x2"
#   core_mg_partial_scalar      by school, group.equal = loadings + intercepts, group.partial = x3~1, x7~1
#   core_grid_<est>_<missing>_<g1|g2>  on hs_missing.csv: est ml, mlr, mlm; missing listwise or fiml (lavaan's
#                               missing = "ml"; MLM listwise only, as lavaan); g1 one group, g2 by school with
#                               group.equal = loadings + intercepts, group.partial = x3~1 (10 fits)
# Comparisons:
#   core_lrt.json               lavTestLRT of nested pairs (scaled difference and its method for MLR and MLM):
#                               ML configural/metric and MLR configural/metric/scalar by school (complete HS), MLR and
#                               MLM one factor vs three factors (one group)
#   core_invariance_mlr.csv     configural, metric, scalar under MLR by school: fit and lavTestLRT's scaled difference
#                               to the step before
# Logs:
#   core_warnings.txt           every warning lavaan gave, with the fit it came from
#   core_refused.txt            fits lavaan refused, with its error (only written when there is one): the grid's two
#                               MLM + FIML cells
suppressMessages({library(lavaan); library(semTools); library(jsonlite)})
out <- "tests/data"

measures <- c("npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "srmr",
              "aic", "bic", "logl", "unrestricted.logl", "baseline.chisq", "baseline.df",
              "chisq.scaled", "df.scaled", "pvalue.scaled", "chisq.scaling.factor", "baseline.chisq.scaled",
              "baseline.chisq.scaling.factor", "cfi.scaled", "tli.scaled", "rmsea.scaled", "rmsea.ci.lower.scaled",
              "rmsea.ci.upper.scaled", "cfi.robust", "tli.robust", "rmsea.robust", "rmsea.ci.lower.robust",
              "rmsea.ci.upper.robust")
write_ref <- function(x, file) {
  write_json(x, file.path(out, file), digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null")
}

# save_fit of lavaan_save.R with every measure lavaan defines for the fit (fitMeasures leaves out the others) and
# every row summary() prints, the group column included
save_core <- function(fit, name) {
  fm <- as.list(fitMeasures(fit, measures))
  fm$n <- lavInspect(fit, "ntotal")
  fm$ngroups <- lavInspect(fit, "ngroups")
  if (fm$ngroups > 1) fm$group_n <- as.list(setNames(lavInspect(fit, "nobs"), lavInspect(fit, "group.label")))
  fm$converged <- lavInspect(fit, "converged")
  options <- lavInspect(fit, "options")  # what lavaan chose for the estimator: test statistic, SEs, information
  fm[c("estimator", "test", "se", "information", "missing", "fixed.x", "meanstructure")] <-
    list(switch(options$se, robust.huber.white = "MLR", robust.sem = "MLM", options$estimator), options$test,
         options$se, options$information[1], options$missing, options$fixed.x, options$meanstructure)
  write_ref(fm, paste0(name, "_fit.json"))
  # the rows summary() prints: the user's ==, < and > constraints too (parameterEstimates drops them by default),
  # not the == rows lavaan adds itself for group.equal
  pe <- parameterEstimates(fit, standardized = TRUE, remove.eq = FALSE, remove.ineq = FALSE, remove.system.eq = TRUE)
  keep <- c("lhs", "op", "rhs", "group", "label", "est", "se", "z", "pvalue", "ci.lower", "ci.upper", "std.all")
  write.csv(pe[, intersect(keep, names(pe))], file.path(out, paste0(name, "_estimates.csv")), row.names = FALSE)
  cat(sprintf("%-28s npar %2d  df %2d  chisq %9.4f%s\n", name, fm$npar, fm$df, fm$chisq,
              if (is.null(fm$chisq.scaled)) "" else sprintf("  scaled %9.4f", fm$chisq.scaled)))
  fit
}

# Warnings are printed and logged with the fit they came from; a refused fit is logged and the script goes on.
warned <- character()
refused <- character()
run <- function(name, expr) {
  tryCatch(withCallingHandlers(expr, warning = function(w) {
    text <- sprintf("%s: %s", name, gsub("\\s+", " ", conditionMessage(w)))
    message("WARNING ", text)
    warned <<- c(warned, text)
    invokeRestart("muffleWarning")
  }), error = function(e) {
    text <- sprintf("%s: %s", name, gsub("\\s+", " ", conditionMessage(e)))
    message("REFUSED ", text)
    refused <<- c(refused, text)
    NULL
  })
}
core <- function(name, model, data, ...) {
  invisible(run(name, {
    fit <- sem(model, data = data, ...)
    save_core(fit, name)
  }))
}

hs <- read.csv(file.path(out, "hs1939.csv"))
hs_full <- HolzingerSwineford1939
hs_full$school <- as.character(hs_full$school)
write.csv(hs_full, file.path(out, "hs_full.csv"), row.names = FALSE)
hsm <- read.csv(file.path(out, "hs_missing.csv"))
pd <- read.csv(file.path(out, "political_democracy.csv"))

# hs_full with 10% of x1..x9 missing completely at random; seed 13 (issue 13)
set.seed(13)
items <- paste0("x", 1:9)
hs_full_missing <- hs_full
hs_full_missing[items][matrix(runif(nrow(hs_full) * 9) < 0.10, ncol = 9)] <- NA
write.csv(hs_full_missing, file.path(out, "hs_full_missing.csv"), row.names = FALSE)

hs_model <- paste(readLines(file.path(out, "hs.lavaan")), collapse = "\n")
with_hs <- function(...) paste(hs_model, ..., sep = "\n")
visual_textual <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6"
textual_speed <- "textual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"

core("core_second_order", with_hs("g =~ visual + textual + speed"), hs)

mimic <- with_hs("visual + textual + speed ~ sex + ageyr")
mimic_lines <- with_hs("visual ~ sex + ageyr", "textual ~ sex + ageyr", "speed ~ sex + ageyr")
one_line <- core("core_mimic", mimic, hs_full)
by_lines <- run("core_mimic_lines", sem(mimic_lines, data = hs_full))
stopifnot(all.equal(parameterEstimates(one_line, standardized = TRUE),
                    parameterEstimates(by_lines, standardized = TRUE)),
          all.equal(fitMeasures(one_line), fitMeasures(by_lines)))
core("core_mimic_random", mimic, hs_full, fixed.x = FALSE)
# fixed.x = TRUE with missing = "ml": lavaan 0.6.14 conditions on the covariates (their moments fixed at the sample
# values) and deletes rows with a missing covariate, warning "N cases were deleted due to missing values in
# exogenous variable(s), while fixed.x = TRUE" (tried with sex missing in 3 rows: n 298). sex and ageyr are complete
# here, so n stays 301 (FIML keeps the rows with missing items).
core("core_mimic_fiml", mimic, hs_full_missing, missing = "ml")

core("core_path", "y1 ~ x1 + x2\ny5 ~ y1 + x1", pd)
core("core_intercepts", with_hs("x1 ~ 1", "x2 ~ i*1", "x3 ~ i*1", "visual ~ 0*1"), hs)
core("core_meanstructure", hs_model, hs, meanstructure = TRUE)
core("core_equality", paste("visual =~ x1 + a*x2 + b*x3", "textual =~ x4 + c*x5 + d*x6", "speed =~ x7 + x8 + x9",
                            "a == b", "c == 2*d", sep = "\n"), hs)
core("core_effects", paste("visual =~ NA*x1 + a1*x1 + a2*x2 + a3*x3", "a1 + a2 + a3 == 3", textual_speed,
                           sep = "\n"), hs)
core("core_bounds", with_hs("x9 ~~ v9*x9", "v9 > 0"), hs)
core("core_bound_active", paste(visual_textual, "speed =~ x7 + x8 + c9*x9", "c9 < 0.5", sep = "\n"), hs)
core("core_nonlinear", paste("visual =~ x1 + a*x2 + b*x3", textual_speed, "a == b^2", sep = "\n"), hs)
core("core_std_lv", hs_model, hs, std.lv = TRUE)
core("core_orthogonal", hs_model, hs, orthogonal = TRUE)

core("core_mg_modifiers", paste("visual =~ x1 + c(a1, a2)*x2 + c(b, b)*x3", "textual =~ x4 + x5 + c(1, NA)*x6",
                                "speed =~ x7 + x8 + x9", sep = "\n"), hs, group = "school")
core("core_mg_partial_metric", hs_model, hs, group = "school", group.equal = "loadings",
     group.partial = "visual=~x2")
core("core_mg_partial_scalar", hs_model, hs, group = "school", group.equal = c("loadings", "intercepts"),
     group.partial = c("x3~1", "x7~1"))

# The estimator x missing x groups grid. Under MLR + FIML lavaan's test is yuan.bentler.mplus, with its robust
# CFI/RMSEA for missing data (whatever 0.6.14 returns is recorded).
for (est in c("ML", "MLR", "MLM")) for (miss in c("listwise", "ml")) for (groups in 1:2) {
  # MLM with missing = "ml" is tried too: lavaan refuses it, and core_refused.txt records its error
  name <- sprintf("core_grid_%s_%s_g%d", tolower(est), if (miss == "ml") "fiml" else "listwise", groups)
  if (groups == 1) {
    core(name, hs_model, hsm, estimator = est, missing = miss)
  } else {
    core(name, hs_model, hsm, estimator = est, missing = miss, group = "school",
         group.equal = c("loadings", "intercepts"), group.partial = "x3~1")
  }
}

# Likelihood-ratio tests, as lavTestLRT(smaller df first ... ) prints them; "method" is lavaan's default difference
# test for the estimator (read from lavTestLRT's heading; "standard" is the plain chi-square difference of ML).
lrt_rows <- function(fits, estimator) {
  lrt <- do.call(lavTestLRT, c(unname(fits), list(model.names = names(fits))))
  heading <- attr(lrt, "heading")
  method <- if (grepl("method =", heading)) sub(".*method = [^a-zA-Z]*([a-zA-Z0-9.]+).*", "\\1", heading) else
    "standard"
  lapply(2:nrow(lrt), function(k) {
    list(estimator = estimator, method = method, models = rownames(lrt)[c(k - 1, k)],
         chisq = lrt$Chisq[c(k - 1, k)], df = lrt$Df[c(k - 1, k)],  # standard (not scaled) statistics per model
         chisq_diff = lrt[["Chisq diff"]][k], df_diff = lrt[["Df diff"]][k], pvalue = lrt[["Pr(>Chisq)"]][k])
  })
}
steps <- list(configural = "", metric = "loadings", scalar = c("loadings", "intercepts"))
by_school <- function(estimator) {
  fits <- lapply(steps, function(eq) sem(hs_model, data = hs, group = "school", group.equal = eq,
                                         estimator = estimator))
  names(fits) <- names(steps)
  fits
}
lrt <- list()
run("core_lrt", {
  ml <- by_school("ML")
  rows <- lrt_rows(ml[1:2], "ML")
  lrt$ml_metric_configural <- rows[[1]]
  mlr <- by_school("MLR")
  rows <- lrt_rows(mlr, "MLR")
  lrt$mlr_metric_configural <- rows[[1]]
  lrt$mlr_scalar_metric <- rows[[2]]
  # the three-model call compares each pair in turn: the same as the pairs one by one
  stopifnot(all.equal(rows[[2]], lrt_rows(mlr[2:3], "MLR")[[1]]))
  one_factor <- paste("g =~", paste(items, collapse = " + "))
  for (est in c("MLR", "MLM")) {
    pair <- list(three_factors = sem(hs_model, data = hs, estimator = est),
                 one_factor = sem(one_factor, data = hs, estimator = est))
    lrt[[paste0(tolower(est), "_one_factor_three_factors")]] <- lrt_rows(pair, est)[[1]]
  }
  write_ref(lrt, "core_lrt.json")
  print(str(lrt))

  # The MLR invariance table: each step's fit and lavTestLRT's scaled difference to the step before
  table <- do.call(rbind, lapply(seq_along(mlr), function(k) {
    fm <- fitMeasures(mlr[[k]], c("npar", "chisq", "df", "pvalue", "chisq.scaled", "pvalue.scaled", "cfi.robust",
                                  "rmsea.robust", "srmr"))
    row <- data.frame(step = names(mlr)[k], as.list(fm))
    if (k == 1) {
      row[c("delta_chisq_scaled", "delta_df", "delta_pvalue")] <- NA
    } else {
      test <- lavTestLRT(mlr[[k]], mlr[[k - 1]])
      row$delta_chisq_scaled <- test[["Chisq diff"]][2]
      row$delta_df <- test[["Df diff"]][2]
      row$delta_pvalue <- test[["Pr(>Chisq)"]][2]
    }
    row
  }))
  write.csv(table, file.path(out, "core_invariance_mlr.csv"), row.names = FALSE)
  print(table)
  # semTools prints the same rows (its robust columns and the scaled difference test)
  print(summary(compareFit(mlr$configural, mlr$metric, mlr$scalar, nested = TRUE)))
})

writeLines(c(sprintf("# lavaan %s warnings from tests/data/sem_core.R, one per line: <fit>: <warning>",
                     packageVersion("lavaan")), warned), file.path(out, "core_warnings.txt"))
refused_file <- file.path(out, "core_refused.txt")
if (length(refused)) {
  writeLines(c("# fits lavaan refused in tests/data/sem_core.R: <fit>: <error>", refused), refused_file)
} else if (file.exists(refused_file)) {
  file.remove(refused_file)
}
cat(sprintf("lavaan %s, semTools %s: %d warnings, %d refused\n", packageVersion("lavaan"),
            packageVersion("semTools"), length(warned), length(refused)))
