# Reference values for tests/test_fiml.py: lavaan's missing = "ml" (FIML) on data with missing answers.
# Run from the project root:  Rscript tests/data/robust_fiml.R
# (The complete-data MLR references, hs_mlr_* and poldem_mlr_*, come from lavaan_reference.R.)
suppressMessages({library(lavaan); library(semTools)})
out <- "tests/data"
source(file.path(out, "lavaan_save.R"))

# Holzinger & Swineford with 10% of x1..x9 missing completely at random, and rows 5 and 6 missing on all
# nine (lavaan drops those: "some cases are empty and will be ignored").
set.seed(1)
items <- paste0("x", 1:9)
hsm <- HolzingerSwineford1939[, c("id", "sex", "school", items)]
hsm[items][matrix(runif(nrow(hsm) * 9) < 0.10, ncol = 9)] <- NA
hsm[c(5, 6), items] <- NA
write.csv(hsm, file.path(out, "hs_missing.csv"), row.names = FALSE)

hs_model <- paste(readLines(file.path(out, "hs.lavaan")), collapse = "\n")
hs_fiml <- suppressWarnings(cfa(hs_model, data = hsm, missing = "ml"))
save_fit(hs_fiml, "hs_fiml")

# A structural model with two outcomes of the same predictor: sem() frees their residual covariance
# (auto.cov.y), which semopy would not add by itself.
hs_sem <- paste(hs_model, "textual ~ visual", "speed ~ visual", sep = "\n")
save_fit(suppressWarnings(sem(hs_sem, data = hsm, missing = "ml")), "hs_sem_fiml")

# omega, AVE and HTMT of the FIML fit: semTools reads the EM (h1) moments as the observed covariances.
validity <- data.frame(construct = names(compRelSEM(hs_fiml)), omega = unlist(compRelSEM(hs_fiml)),
                       ave = unlist(AVE(hs_fiml)))
write.csv(validity, file.path(out, "hs_fiml_validity.csv"), row.names = FALSE)
write.csv(htmt(hs_model, data = hsm, missing = "ml", htmt2 = FALSE), file.path(out, "hs_fiml_htmt.csv"))

# Political Democracy (equality constraints, residual covariances, := effects) with 10% of every variable MCAR.
set.seed(2)
pdm <- PoliticalDemocracy
pdm[matrix(runif(nrow(pdm) * ncol(pdm)) < 0.10, ncol = ncol(pdm))] <- NA
write.csv(pdm, file.path(out, "poldem_missing.csv"), row.names = FALSE)
pd_model <- paste(readLines(file.path(out, "poldem.lavaan")), collapse = "\n")
save_fit(sem(pd_model, data = pdm, missing = "ml"), "poldem_fiml")
cat(sprintf("lavaan %s, semTools %s\n", packageVersion("lavaan"), packageVersion("semTools")))
