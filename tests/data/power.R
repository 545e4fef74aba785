# Reference values for tests/test_power.py, from semTools::findRMSEApower and findRMSEAsamplesize.
# Run from the project root: Rscript tests/data/power.R  (about three minutes: semTools scans n one by one)
suppressMessages(library(semTools))
pairs <- list(c(0.05, 0.08), c(0.05, 0.06), c(0, 0.05), c(0.05, 0.01), c(0.08, 0.05))  # close, exact, not-close
rows <- list()
add <- function(...) rows[[length(rows) + 1]] <<- data.frame(...)
for (df in c(1, 2, 10, 24, 100, 350)) for (p in pairs) for (alpha in c(0.05, 0.01)) for (n in c(50, 200, 1000, 5000)) {
  add(fun = "findRMSEApower", df = df, rmsea0 = p[1], rmsea_a = p[2], alpha = alpha, n = n,
      power = findRMSEApower(p[1], p[2], df, n, alpha), n_smallest = NA, note = "")
}

# findRMSEAsamplesize scans n = 5:500, then 505:1000, 1005:1500, ..., so it never answers 501 to 504,
# 1001 to 1004, ...; and it answers "Sample Size <= 5" when n = 5 has the power. n_smallest is the
# smallest n > 1 whose findRMSEApower exceeds the power, found by stepping down from its answer.
smallest <- function(n, rmsea0, rmsea_a, df, power, alpha) {
  while (n > 2 && findRMSEApower(rmsea0, rmsea_a, df, n - 1, alpha) > power) n <- n - 1
  n
}
size <- function(df, rmsea0, rmsea_a, alpha, power) {
  n <- findRMSEAsamplesize(rmsea0, rmsea_a, df, power, alpha)
  start <- if (is.character(n)) 5 else n
  add(fun = "findRMSEAsamplesize", df = df, rmsea0 = rmsea0, rmsea_a = rmsea_a, alpha = alpha,
      n = if (is.character(n)) NA else n, power = power,
      n_smallest = smallest(start, rmsea0, rmsea_a, df, power, alpha), note = if (is.character(n)) n else "")
}
for (df in c(1, 24, 350)) for (p in pairs) for (alpha in c(0.05, 0.01)) for (power in c(0.8, 0.9)) {
  size(df, p[1], p[2], alpha, power)
}
size(1000, 0, 0.3, 0.05, 0.8)
write.csv(do.call(rbind, rows), "tests/data/power_semtools.csv", row.names = FALSE)
cat(sprintf("semTools %s\n", packageVersion("semTools")))
