# Reference values for tests/test_cmb.py: Harman's single-factor test and full collinearity VIFs.
# Run from the project root: Rscript tests/data/cmb.R
# Data: tests/data/hs1939.csv (written by lavaan_reference.R) and tests/data/cmb_input.csv, written by
#   analysis.simulate(300, seed=3, missing=0.02)[items].to_csv("tests/data/cmb_input.csv", index=False)
# for the inf_1-5, fin_1-4, soc_1-5 and rtm_1-4 items (none reverse-keyed).
suppressMessages({library(psych); library(lavaan); library(car)})
sets <- list(
  hs = list(data = read.csv("tests/data/hs1939.csv"),
            scales = list(visual = paste0("x", 1:3), textual = paste0("x", 4:6), speed = paste0("x", 7:9))),
  sim = list(data = read.csv("tests/data/cmb_input.csv"),
             scales = list(inf = paste0("inf_", 1:5), fin = paste0("fin_", 1:4), soc = paste0("soc_", 1:5),
                           rtm = paste0("rtm_", 1:4)))
)
harman <- list()
vifs <- list()
for (name in names(sets)) {
  scales <- sets[[name]]$scales
  x <- na.omit(sets[[name]]$data[, unlist(scales)])
  k <- ncol(x)
  # Principal components: first eigenvalue of the correlation matrix, as psych::principal reports it.
  pc <- eigen(cor(x), symmetric = TRUE, only.values = TRUE)$values[1]
  principal_var <- psych::principal(x, nfactors = 1, rotate = "none")$Vaccounted["SS loadings", 1]
  stopifnot(abs(pc - principal_var) < 1e-10)
  # One ML factor: factanal run to a tight optimum (its default factr = 1e7 stops ~1e-7 short in the
  # share; factr = 1 fails in the line search). lavaan's standardized loadings agree to its tolerance.
  fa <- factanal(x, factors = 1, control = list(opt = list(factr = 10, pgtol = 0, maxit = 10000)))
  ml <- sum(fa$loadings^2)
  model <- paste("f =~", paste(names(x), collapse = " + "))
  std <- standardizedSolution(cfa(model, data = x, std.lv = TRUE))
  stopifnot(abs(ml - sum(std$est.std[std$op == "=~"]^2)) / k < 1e-6)
  harman[[name]] <- data.frame(data = name, method = c("pc", "ml"), n = nrow(x), items = k,
                               variance = c(pc, ml), share = c(pc, ml) / k)

  # Full collinearity: each construct's mean score regressed, with an intercept, on the others.
  scores <- as.data.frame(sapply(scales, function(items) rowMeans(x[, items])))
  r2 <- sapply(names(scores), function(s) summary(lm(scores[[s]] ~ ., data = scores[setdiff(names(scores), s)]))$r.squared)
  # Kock's recipe: the VIFs of all constructs as predictors of a made-up outcome.
  set.seed(1)
  stopifnot(max(abs(car::vif(lm(rnorm(nrow(scores)) ~ ., data = scores)) - 1 / (1 - r2))) < 1e-10)
  vifs[[name]] <- data.frame(data = name, construct = names(scores), n = nrow(x),
                             items = sapply(scales, length), r2 = r2, vif = 1 / (1 - r2))
}
write.csv(do.call(rbind, harman), "tests/data/cmb_harman.csv", row.names = FALSE)
write.csv(do.call(rbind, vifs), "tests/data/cmb_full_collinearity.csv", row.names = FALSE)
cat(sprintf("psych %s, lavaan %s, car %s\n", packageVersion("psych"), packageVersion("lavaan"), packageVersion("car")))
