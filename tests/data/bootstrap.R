# Reference for tests/test_bootstrap.py: lavaan refits of the HS three-factor CFA to 20 resamples.
#   Rscript tests/data/bootstrap.R   (from the project root)
# Writes the resampled row numbers (1-based, one column per draw) and lavaan's free estimates per draw.
suppressMessages(library(lavaan))
out <- "tests/data"
hs <- read.csv(file.path(out, "hs1939.csv"))
model <- paste(readLines(file.path(out, "hs.lavaan")), collapse = "\n")
set.seed(1)
rows <- replicate(20, sample(nrow(hs), replace = TRUE))
colnames(rows) <- paste0("draw", 1:20)
write.csv(rows, file.path(out, "hs_boot_rows.csv"), row.names = FALSE)
estimates <- do.call(rbind, lapply(1:20, function(b) {
  pe <- parameterEstimates(cfa(model, data = hs[rows[, b], ]))
  cbind(draw = b, pe[, c("lhs", "op", "rhs", "est")])
}))
write.csv(estimates, file.path(out, "hs_boot_lavaan.csv"), row.names = FALSE)
