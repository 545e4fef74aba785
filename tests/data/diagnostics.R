# Reference values for tests/test_diagnostics.py (issue 17: diagnostics), from lavaan 0.6.14 and psych.
# Run from the project root:  Rscript tests/data/diagnostics.R
#
# Data:
#   bfi.csv                     psych::bfi unchanged (2,800 people, 25 six-point items A1..O5 with missing answers,
#                               gender, education, age); written once here
#   bfi_coded.csv               the same as a survey tool exports it: a missing answer coded -99 (-9 for the
#                               demographics), the README's worked example
# Reliability (psych::alpha on the bfi scales, reverse-keyed items A1 C4 C5 E1 E2 O2 O5 recoded as 7 - x first):
#   diag_alpha.csv              per scale and missing mode ("pairwise": psych's default; "listwise": use =
#                               "complete.obs" on the scale's complete rows): raw_alpha, and per item mean, sd, r.drop,
#                               alpha if dropped
# Fits (sem(), lavaan's defaults unless said):
#   diag_<name>_r2.csv          lavInspect(fit, "r2")
#   diag_<name>_mi.csv          modindices(fit, sort. = TRUE): lhs, op, rhs, (group), mi, epc, sepc.all
#   diag_<name>_resid_<type>.csv  residuals(fit, type) for raw, cor (Bollen) and standardized: the covariance part
#   diag_<name>_fit.json        chisq, df, npar, baseline chisq/df, converged, iterations, n
#   diag_hs_ordinal_r2.csv      lavInspect(fit, "r2") of HS's items as ordinal (hs_ordinal.csv), WLSMV
#   names: hs (HS three factors, ML), hs_mlr (MLR), hs_mlm (MLM), hs_fiml (hs_missing.csv, missing = "ml"), hs_fiml_mlr
#   (the same by MLR), poldem (Political
#   Democracy, tests/data/poldem.lavaan), bfi5 (bfi five factors, MLR, listwise), mimic (HS + visual + textual +
#   speed ~ sex + ageyr on hs_full.csv, fixed.x)
#   diag_hs_mg_<configural|metric>_mi.csv  modindices(sort. = TRUE) of HS by school, free or equal loadings, with
#                               the group column; diag_hs_mg_configural_resid_<raw|standardized>_<school>.csv its
#                               residuals per group
#   diag_hs_mg_<metric|scalar>_score.csv  lavTestScore(fit)$uni of HS by school with equal loadings (and intercepts):
#                               the parameter each constraint releases (its group-2 row), X2, df, p.value
# Comparison:
#   diag_bfi_lrt.json           lavTestLRT(five factors, one factor) under MLR: chisq difference, df, p, method

library(lavaan)
library(psych)
library(jsonlite)

out <- "tests/data/"
write.csv(psych::bfi, paste0(out, "bfi.csv"), row.names = FALSE, na = "")
coded <- psych::bfi
for (column in names(coded)) coded[[column]][is.na(coded[[column]])] <- if (column %in% c("gender", "education", "age")) -9 else -99
write.csv(coded, paste0(out, "bfi_coded.csv"), row.names = FALSE)
bfi <- read.csv(paste0(out, "bfi.csv"))
items <- paste0(rep(c("A", "C", "E", "N", "O"), each = 5), 1:5)
reverse <- c("A1", "C4", "C5", "E1", "E2", "O2", "O5")

# Reliability ----------------------------------------------------------------
recoded <- bfi
recoded[reverse] <- 7 - recoded[reverse]
rows <- list()
for (scale in c("A", "C", "E", "N", "O")) {
  columns <- paste0(scale, 1:5)
  for (mode in c("pairwise", "listwise")) {
    x <- recoded[columns]
    if (mode == "listwise") x <- x[complete.cases(x), ]
    a <- psych::alpha(x, use = if (mode == "pairwise") "pairwise" else "complete.obs", warnings = FALSE)
    rows[[length(rows) + 1]] <- data.frame(scale = scale, missing = mode, item = columns,
      raw_alpha = a$total$raw_alpha, mean = a$item.stats$mean, sd = a$item.stats$sd,
      r_drop = a$item.stats$r.drop, alpha_if_dropped = a$alpha.drop$raw_alpha)
  }
}
write.csv(do.call(rbind, rows), paste0(out, "diag_alpha.csv"), row.names = FALSE)

# Fits -------------------------------------------------------------------------
hs <- read.csv(paste0(out, "hs1939.csv"))
hs_missing <- read.csv(paste0(out, "hs_missing.csv"))
poldem <- read.csv(paste0(out, "political_democracy.csv"))
hs_model <- paste(readLines(paste0(out, "hs.lavaan")), collapse = "\n")
poldem_model <- paste(readLines(paste0(out, "poldem.lavaan")), collapse = "\n")
five <- paste0(c("agree", "consc", "extra", "neuro", "open"), " =~ ",
               sapply(c("A", "C", "E", "N", "O"), function(s) paste0(s, 1:5, collapse = " + ")), collapse = "\n")
one <- paste0("big =~ ", paste(items, collapse = " + "))

fits <- list(
  hs = sem(hs_model, hs),
  hs_mlr = sem(hs_model, hs, estimator = "MLR"),
  hs_mlm = sem(hs_model, hs, estimator = "MLM"),
  hs_fiml = sem(hs_model, hs_missing, missing = "ml"),
  hs_fiml_mlr = sem(hs_model, hs_missing, missing = "ml", estimator = "MLR"),
  poldem = sem(poldem_model, poldem),
  bfi5 = sem(five, bfi, estimator = "MLR"),
  mimic = sem(paste(hs_model, "visual + textual + speed ~ sex + ageyr", sep = "\n"), read.csv(paste0(out, "hs_full.csv")))
)
# ordinal items (tests/data/hs_ordinal.csv, from ordinal.R), WLSMV: only R² is compared
hs_ordinal <- read.csv(paste0(out, "hs_ordinal.csv"))
ordinal <- sem(hs_model, hs_ordinal, ordered = paste0("x", 1:9), estimator = "WLSMV")
r2 <- lavInspect(ordinal, "r2")
write.csv(data.frame(variable = names(r2), r2 = unname(r2)), paste0(out, "diag_hs_ordinal_r2.csv"), row.names = FALSE)
bfi1 <- sem(one, bfi, estimator = "MLR")

for (name in names(fits)) {
  fit <- fits[[name]]
  r2 <- lavInspect(fit, "r2")
  write.csv(data.frame(variable = names(r2), r2 = unname(r2)), paste0(out, "diag_", name, "_r2.csv"),
            row.names = FALSE)
  mi <- modindices(fit, sort. = TRUE)
  write.csv(mi[c("lhs", "op", "rhs", "mi", "epc", "sepc.all")], paste0(out, "diag_", name, "_mi.csv"),
            row.names = FALSE)
  if (name != "bfi5") {
    for (type in c("raw", "cor", "standardized")) {
      r <- residuals(fit, type = type)
      write.csv(r$cov, paste0(out, "diag_", name, "_resid_", type, ".csv"))
    }
  }
  fm <- fitMeasures(fit, c("chisq", "df", "npar", "baseline.chisq", "baseline.df", "cfi", "rmsea"))
  write_json(c(as.list(fm), list(n = lavInspect(fit, "ntotal"), converged = lavInspect(fit, "converged"),
                                  iterations = lavInspect(fit, "iterations"))),
             paste0(out, "diag_", name, "_fit.json"), auto_unbox = TRUE, digits = NA, pretty = TRUE)
}

# Multi-group: modification indices and score tests of the metric-invariance constraints ------------
configural <- sem(hs_model, hs, group = "school")
metric <- sem(hs_model, hs, group = "school", group.equal = "loadings")
for (kind in c("raw", "standardized")) {
  r <- residuals(configural, type = kind)
  for (g in names(r)) write.csv(r[[g]]$cov, paste0(out, "diag_hs_mg_configural_resid_", kind, "_", g, ".csv"))
}
for (name in c("configural", "metric")) {
  mi <- modindices(get(name), sort. = TRUE)
  write.csv(mi[c("lhs", "op", "rhs", "group", "mi", "epc", "sepc.all")],
            paste0(out, "diag_hs_mg_", name, "_mi.csv"), row.names = FALSE)
}
scalar <- sem(hs_model, hs, group = "school", group.equal = c("loadings", "intercepts"))
for (name in c("metric", "scalar")) {
  fit <- get(name)
  score <- lavTestScore(fit)$uni
  pt <- parTable(fit)
  name_of <- function(plabel) {
    row <- pt[pt$plabel == plabel, ]
    paste(row$lhs, row$op, row$rhs)
  }
  score$parameter <- sapply(score$rhs, name_of)
  score$group <- sapply(score$rhs, function(p) pt$group[pt$plabel == p])
  write.csv(score[c("parameter", "group", "X2", "df", "p.value")], paste0(out, "diag_hs_mg_", name, "_score.csv"),
            row.names = FALSE)
}

# Comparison -----------------------------------------------------------------
lrt <- lavTestLRT(fits$bfi5, bfi1)
write_json(list(chisq_diff = lrt[2, "Chisq diff"], df_diff = lrt[2, "Df diff"], pvalue = lrt[2, "Pr(>Chisq)"],
                method = attr(lrt, "heading"), n = lavInspect(bfi1, "ntotal")),
           paste0(out, "diag_bfi_lrt.json"), auto_unbox = TRUE, digits = NA, pretty = TRUE)
