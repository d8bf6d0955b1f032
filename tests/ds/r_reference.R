#!/usr/bin/Rscript
# tests/ds/r_reference.R — export the reference series and R's scores.
#
# Needs R with the forecast package (Debian: r-base-core r-cran-forecast);
# make test does NOT run this: its output is committed in tests/ds/rdata/.
#   Rscript tests/ds/r_reference.R [OUTDIR]      (default tests/ds/rdata)
# Writes OUTDIR/<series>.csv (time,value) for each series below and
# OUTDIR/r_results.csv: per series and R method (auto.arima, ets, thetaf,
# snaive) the hold-out MASE as forecast::accuracy computes it (scaled by the
# in-sample seasonal-naive MAE at lag frequency(x)), the 80/95 % interval
# coverage on the hold-out, the model form and the fit+forecast seconds, and
# OUTDIR/r_lambda.csv: Guerrero's Box-Cox lambda (BoxCox.lambda, defaults)
# of each series' training part, and OUTDIR/r_theta.csv: thetaf's 80 % and
# 95 % interval bounds at every hold-out step.
# The hold-out is the last H points: 12 for monthly, 8 for quarterly and 10
# for yearly series; every method is called with its defaults.
suppressPackageStartupMessages(library(forecast))
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args) >= 1) args[1] else "tests/ds/rdata"
dir.create(out, showWarnings = FALSE, recursive = TRUE)

series <- list(
  AirPassengers = AirPassengers, co2 = co2, nottem = nottem, USAccDeaths = USAccDeaths,
  ldeaths = ldeaths, mdeaths = mdeaths, UKDriverDeaths = UKDriverDeaths,
  gas = forecast::gas, wineind = forecast::wineind,
  UKgas = UKgas, austres = austres, JohnsonJohnson = JohnsonJohnson,
  woolyrnq = forecast::woolyrnq,
  lynx = lynx, Nile = Nile, sunspot.year = sunspot.year, LakeHuron = LakeHuron,
  airmiles = airmiles)

stamp <- function(x) {
  t <- time(x); f <- frequency(x)
  yr <- floor(t + 1e-9)
  if (f == 1) return(sprintf("%d", as.integer(yr)))
  step <- round((t - yr) * f) * (12 / f)          # months after January
  sprintf("%d-%02d-01", as.integer(yr), as.integer(step) + 1L)
}

horizon <- function(f) if (f >= 12) 12 else if (f == 4) 8 else 10

rows <- list()
lambdas <- list()
thetas <- list()
for (name in names(series)) {
  x <- series[[name]]
  write.csv(data.frame(time = stamp(x), value = as.numeric(x)),
            file.path(out, paste0(name, ".csv")), row.names = FALSE, quote = FALSE)
  h <- horizon(frequency(x))
  n <- length(x)
  train <- subset(x, end = n - h)
  test <- subset(x, start = n - h + 1)
  lambdas[[length(lambdas) + 1]] <- data.frame(series = name, frequency = frequency(x), h = h,
                                               lambda = BoxCox.lambda(train))
  run <- function(method) {
    t0 <- proc.time()[["elapsed"]]
    fc <- switch(method,
      auto.arima = { m <- auto.arima(train); list(fc = forecast(m, h = h, level = c(80, 95)),
                                                 form = paste(capture.output(print(m))[2], collapse = "")) },
      ets = { m <- ets(train); list(fc = forecast(m, h = h, level = c(80, 95)), form = m$method) },
      thetaf = list(fc = thetaf(train, h = h, level = c(80, 95)), form = "theta"),
      snaive = list(fc = snaive(train, h = h, level = c(80, 95)), form = "snaive"))
    secs <- proc.time()[["elapsed"]] - t0
    f <- fc$fc
    if (method == "thetaf")
      thetas[[length(thetas) + 1]] <<- data.frame(series = name, step = seq_len(h),
        mean = as.numeric(f$mean), lower80 = as.numeric(f$lower[, 1]), upper80 = as.numeric(f$upper[, 1]),
        lower95 = as.numeric(f$lower[, 2]), upper95 = as.numeric(f$upper[, 2]))
    acc <- accuracy(f, test)
    cov80 <- mean(test >= f$lower[, 1] & test <= f$upper[, 1])
    cov95 <- mean(test >= f$lower[, 2] & test <= f$upper[, 2])
    data.frame(series = name, frequency = frequency(x), n = n, h = h, method = method,
               mase = acc["Test set", "MASE"], mae = acc["Test set", "MAE"],
               coverage80 = cov80, coverage95 = cov95, seconds = secs,
               form = gsub("[ ,]+", " ", trimws(fc$form)))
  }
  for (method in c("auto.arima", "ets", "thetaf", "snaive"))
    rows[[length(rows) + 1]] <- run(method)
  cat(name, "done\n", file = stderr())
}
res <- do.call(rbind, rows)
write.csv(res, file.path(out, "r_results.csv"), row.names = FALSE)
write.csv(do.call(rbind, lambdas), file.path(out, "r_lambda.csv"), row.names = FALSE)
write.csv(do.call(rbind, thetas), file.path(out, "r_theta.csv"), row.names = FALSE)
print(res[, c("series", "method", "mase", "seconds", "form")])
