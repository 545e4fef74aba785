# Reference values for tests/test_fit.py, from lavaan. Run from the project root:
#   Rscript tests/data/lavaan_reference.R
# Writes the data sets (CSV) and, per model, lavaan's fit measures and parameter estimates.
suppressMessages({library(lavaan); library(semTools)})
out <- "tests/data"
hs <- HolzingerSwineford1939
write.csv(hs[, c("id", "sex", "school", paste0("x", 1:9))], file.path(out, "hs1939.csv"), row.names = FALSE)
write.csv(PoliticalDemocracy, file.path(out, "political_democracy.csv"), row.names = FALSE)

source(file.path(out, "lavaan_save.R"))

hs_model <- paste(readLines(file.path(out, "hs.lavaan")), collapse = "\n")
save_fit(cfa(hs_model, data = hs), "hs_ml")

pd_model <- paste(readLines(file.path(out, "poldem.lavaan")), collapse = "\n")
save_fit(sem(pd_model, data = PoliticalDemocracy), "poldem_ml")

# Modifiers: NA* (free loadings, variances fixed), start(), a labelled marker.
free_model <- paste(readLines(file.path(out, "hs_free.lavaan")), collapse = "\n")
save_fit(cfa(free_model, data = hs), "hs_free")

# MLR: Huber-White SEs (observed information), Yuan-Bentler (Mplus) scaled test, robust indices.
robust <- c("chisq.scaled", "chisq.scaling.factor", "pvalue.scaled", "baseline.chisq.scaling.factor",
            "cfi.robust", "tli.robust", "rmsea.robust", "rmsea.ci.lower.robust", "rmsea.ci.upper.robust")
save_fit(cfa(hs_model, data = hs, estimator = "MLR"), "hs_mlr", robust)
save_fit(sem(pd_model, data = PoliticalDemocracy, estimator = "MLR"), "poldem_mlr", robust)
cat(sprintf("lavaan %s\n", packageVersion("lavaan")))

# Reliability and validity of the HS three-factor CFA (semTools defaults).
hs_fit <- cfa(hs_model, data = hs)
std <- standardizedSolution(hs_fit)
loadings <- std[std$op == "=~", ]
cr <- tapply(loadings$est.std, loadings$lhs, function(l) sum(l)^2 / (sum(l)^2 + sum(1 - l^2)))
validity <- data.frame(
  construct = names(compRelSEM(hs_fit)),
  omega = unlist(compRelSEM(hs_fit)),
  ave = unlist(AVE(hs_fit)),
  cr = as.numeric(cr[names(compRelSEM(hs_fit))])
)
write.csv(validity, file.path(out, "hs_validity.csv"), row.names = FALSE)
write.csv(htmt(hs_model, data = hs, htmt2 = FALSE), file.path(out, "hs_htmt.csv"))
write.csv(htmt(hs_model, data = hs, htmt2 = TRUE), file.path(out, "hs_htmt2.csv"))
write.csv(lavInspect(hs_fit, "cor.lv"), file.path(out, "hs_cor_lv.csv"))
cat(sprintf("semTools %s\n", packageVersion("semTools")))
