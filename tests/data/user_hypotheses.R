# Reference values for tests/test_hypotheses.py (issue 17, section 4: a user's own hypotheses), from lavaan 0.6.14.
# Run from the project root:  Rscript tests/data/user_hypotheses.R
#
# Data: political_democracy.csv and hs1939.csv (written by lavaan_reference.R). Writes user_hypotheses.json, per case:
#   the fitted model's and the rival's chisq and df, lavTestLRT's difference (chisq_diff, df_diff, pvalue), and the
#   estimates (est, se, pvalue) of the parameters the hypotheses name, as parameterEstimates() gives them.
# Cases:
#   poldem      tests/data/poldem.lavaan plus ind2 := g1*g2; rival: the same model without residual covariances and
#               equality labels (more restricted)
#   hs_paths    HS's three factors with speed ~ visual + textual; rival: speed ~ visual only (more restricted);
#               estimator MLR, so the difference is lavaan's Satorra-Bentler (2001) scaled one
library(lavaan)
library(jsonlite)

poldem_data <- read.csv("tests/data/political_democracy.csv")
hs_data <- read.csv("tests/data/hs1939.csv")

poldem <- paste(readLines("tests/data/poldem.lavaan"), collapse = "\n")
poldem <- paste(poldem, "ind2 := g1*g2", sep = "\n")
poldem_rival <- "ind60 =~ x1 + x2 + x3; dem60 =~ y1 + y2 + y3 + y4; dem65 =~ y5 + y6 + y7 + y8
dem60 ~ ind60; dem65 ~ ind60 + dem60"
hs_paths <- "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9; speed ~ visual + textual"
hs_rival <- "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9; speed ~ visual"

case <- function(model, rival, data, estimator, params) {
  fit <- sem(model, data = data, estimator = estimator)
  other <- sem(rival, data = data, estimator = estimator)
  lrt <- lavTestLRT(fit, other)
  pe <- parameterEstimates(fit)
  pick <- lapply(params, function(p) {
    row <- pe[paste(pe$lhs, pe$op, pe$rhs) == p | (pe$op == ":=" & pe$lhs == p), ][1, ]
    list(est = row$est, se = row$se, pvalue = row$pvalue)
  })
  names(pick) <- params
  list(estimator = estimator, chisq = c(fitMeasures(fit, "chisq"), fitMeasures(other, "chisq")),
       df = c(fitMeasures(fit, "df"), fitMeasures(other, "df")), chisq_diff = lrt[2, "Chisq diff"],
       df_diff = lrt[2, "Df diff"], pvalue = lrt[2, "Pr(>Chisq)"], estimates = pick)
}

out <- list(
  poldem = case(poldem, poldem_rival, poldem_data, "ML", c("dem65 ~ dem60", "ind", "ind2")),
  hs_paths = case(hs_paths, hs_rival, hs_data, "MLR", c("speed ~ visual", "speed ~ textual"))
)
write_json(out, "tests/data/user_hypotheses.json", auto_unbox = TRUE, digits = NA, pretty = TRUE)
