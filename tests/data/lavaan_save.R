# save_fit(): lavaan's fit measures (JSON) and parameterEstimates(standardized = TRUE) (CSV) of one fit,
# as tests/lavaan_check.py reads them. Sourced by lavaan_reference.R and robust_fiml.R.
suppressMessages({library(lavaan); library(jsonlite)})

save_fit <- function(fit, name, extra = character(), out = "tests/data") {
  measures <- c("npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower",
                "rmsea.ci.upper", "srmr", "aic", "bic", "logl", "unrestricted.logl", "baseline.chisq", "baseline.df",
                extra)
  fm <- as.list(fitMeasures(fit, measures))
  fm$n <- lavInspect(fit, "nobs")
  write_json(fm, file.path(out, paste0(name, "_fit.json")), digits = NA, auto_unbox = TRUE, pretty = TRUE)
  pe <- parameterEstimates(fit, standardized = TRUE)
  keep <- c("lhs", "op", "rhs", "label", "est", "se", "z", "pvalue", "ci.lower", "ci.upper", "std.all")
  write.csv(pe[, intersect(keep, names(pe))], file.path(out, paste0(name, "_estimates.csv")), row.names = FALSE)
}
