# Reference for lavaan's FIML-corrected robust CFI, TLI and RMSEA (Zhang & Savalei 2022), lav_fit_fiml_corrected.
# Run from the project root: Rscript tests/data/fiml_corrected.R (lavaan 0.6.14).
#
# These indices compare the model with the EM saturated moments as if they were complete data, so they move with
# the EM's precision to first order (chi-square and the log-likelihoods only to second order). lavaan's EM stops
# when no moment moves by 1e-5, which leaves them ~1e-5 (relative) from their converged values; ours iterates to
# 1e-10. The fits of sem_core.R that use FIML are refitted here with em.h1.tol = 1e-12, and fiml_corrected.json
# records the robust measures of each, by the name sem_core.R gives the fit.
suppressMessages({library(lavaan); library(jsonlite)})
out <- "tests/data"
hs_model <- readLines(file.path(out, "hs.lavaan"))
hsm <- read.csv(file.path(out, "hs_missing.csv"))
hs_full_missing <- read.csv(file.path(out, "hs_full_missing.csv"))
hs_full_missing$school <- as.character(hs_full_missing$school)
pd_model <- readLines(file.path(out, "poldem.lavaan"))
pdm <- read.csv(file.path(out, "poldem_missing.csv"))
mimic <- c(hs_model, "visual + textual + speed ~ sex + ageyr")
measures <- c("chisq", "cfi.robust", "tli.robust", "rmsea.robust", "rmsea.ci.lower.robust", "rmsea.ci.upper.robust")
tight <- list(em.h1.tol = 1e-12, em.h1.iter.max = 100000L)
fits <- list(
  hs_fiml = list(hs_model, hsm, estimator = "ML"),  # robust_fiml.R's
  hs_sem_fiml = list(c(hs_model, "textual ~ visual", "speed ~ visual"), hsm, estimator = "ML"),
  poldem_fiml = list(pd_model, pdm, estimator = "ML"),
  core_grid_ml_fiml_g1 = list(hs_model, hsm, estimator = "ML"),
  core_grid_mlr_fiml_g1 = list(hs_model, hsm, estimator = "MLR"),
  core_grid_ml_fiml_g2 = list(hs_model, hsm, estimator = "ML", group = "school",
                              group.equal = c("loadings", "intercepts"), group.partial = "x3~1"),
  core_grid_mlr_fiml_g2 = list(hs_model, hsm, estimator = "MLR", group = "school",
                               group.equal = c("loadings", "intercepts"), group.partial = "x3~1"),
  core_mimic_fiml = list(mimic, hs_full_missing, estimator = "ML")
)
reference <- lapply(names(fits), function(name) {
  args <- fits[[name]]
  fit <- suppressWarnings(do.call("sem", c(list(model = args[[1]], data = args[[2]], missing = "ml"), args[-(1:2)],
                                         tight)))
  stopifnot(lavInspect(fit, "converged"))
  as.list(fitMeasures(fit, measures))
})
names(reference) <- names(fits)
write_json(reference, file.path(out, "fiml_corrected.json"), digits = NA, auto_unbox = TRUE, pretty = TRUE)
