# Reference values for tests/test_quality.py: careless-responding indices from R's careless package 1.2.2.
# Run from the project root: Rscript tests/data/careless.R
# careless is on CRAN; where CRAN is out of reach, install the same release from its source repository
# (github.com/ryentes/careless, commit 0a84caf, version 1.2.2): R CMD INSTALL -l /tmp/rlib careless
# and run with R_LIBS=/tmp/rlib.
# Data: tests/data/careless_input.csv, the 50 rating items of the instrument (Likert items with a construct, in
# codebook order) of 200 simulated respondents with 3% item nonresponse and 8% straight-liners, written by
#   items = survey_app.quality.rating_items(instrument.load())
#   data = analysis.simulate(200, seed=11, missing=0.03, careless=0.08)[items].astype("float64")
#   data.iloc[0, :] = np.nan; data.iloc[1, 1:] = np.nan; data.iloc[2, ::2] = np.nan
#   data.to_csv("tests/data/careless_input.csv", index=False, float_format="%.0f")
suppressMessages(library(careless))
x <- as.matrix(read.csv("tests/data/careless_input.csv"))
construct <- sub("_[^_]+$", "", colnames(x))
factors <- rle(construct)$lengths # constructs are consecutive in codebook order
reverse <- c("coo_5", "ada_5", "ltr_5", "dec_5", "ctl_4")
keyed <- x
keyed[, reverse] <- 8 - keyed[, reverse] # 7-point agreement scale: min + max - x

answered <- rowSums(!is.na(x)) > 0
# longstring: R's rle counts an all-NA row as runs of 1; survey_app.quality reports NaN there.
longstr <- ifelse(answered, longstring(x), NA)
irv_values <- irv(x)
# evenodd needs a data frame: given a matrix, its x[i, start:end] has no colnames and only the first two items
# of each factor are used.
eo <- suppressWarnings(evenodd(as.data.frame(keyed), factors))

# Mahalanobis D^2: careless::mahad (psych::outlier: pairwise covariances, column means over answered values)
# for complete rows; for rows with missing answers, the distance over the answered items with the submatrix of
# the same covariance matrix (psych instead counts a missing answer as lying on the mean).
psych_d2 <- suppressWarnings(mahad(x, plot = FALSE))
S <- cov(x, use = "pairwise")
centre <- colMeans(x, na.rm = TRUE)
d2 <- sapply(seq_len(nrow(x)), function(i) {
  seen <- !is.na(x[i, ])
  if (!any(seen)) return(NA)
  d <- x[i, seen] - centre[seen]
  drop(d %*% solve(S[seen, seen, drop = FALSE], d))
})
complete <- rowSums(is.na(x)) == 0
stopifnot(max(abs(d2[complete] - psych_d2[complete])) < 1e-8)
# mahad(flag = TRUE) cuts at qchisq(confidence, ncol(x)); rows with missing answers get the df of their answers.
flag99 <- d2 > qchisq(0.99, rowSums(!is.na(x)))

out <- data.frame(row = seq_len(nrow(x)) - 1, longstring = longstr, irv = irv_values, even_odd = eo,
                  mahalanobis = d2, mahalanobis_flag99 = flag99)
write.csv(out, "tests/data/careless_reference.csv", row.names = FALSE, na = "")
cat("careless", as.character(packageVersion("careless")), "psych", as.character(packageVersion("psych")), "\n")
