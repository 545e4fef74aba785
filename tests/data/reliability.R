# Reference values for tests/test_reliability.py, from psych::alpha.
# Run from the project root: Rscript tests/data/reliability.R
library(psych)
x <- read.csv("tests/data/reliability_input.csv")
x$ltr_5 <- 1 + 7 - x$ltr_5  # reverse-keyed on the 1-7 scale
scales <- list(ltr = paste0("ltr_", 1:5), inf = paste0("inf_", 1:5))
rows <- list()
for (s in names(scales)) {
  a <- psych::alpha(x[, scales[[s]]], use = "complete.obs", warnings = FALSE)
  items <- scales[[s]]
  n <- nrow(na.omit(x[, items]))
  # psych::alpha's own Feldt interval uses nrow(x) even under complete.obs; socialimp uses the
  # rows actually analysed, so the reference is psych::alpha.ci with that n.
  feldt <- psych::alpha.ci(a$total$raw_alpha, n.obs = n, n.var = length(items))
  rows[[s]] <- data.frame(
    scale = s, item = items,
    n = n,
    r_drop = a$item.stats[items, "r.drop"],
    alpha_if_dropped = a$alpha.drop[items, "raw_alpha"],
    alpha = a$total$raw_alpha,
    alpha_ci_lower = feldt$lower.ci,
    alpha_ci_upper = feldt$upper.ci
  )
}
out <- do.call(rbind, rows)
write.csv(out, "tests/data/reliability_psych.csv", row.names = FALSE)
cat(sprintf("psych %s\n", packageVersion("psych")))
