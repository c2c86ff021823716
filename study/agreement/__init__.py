"""Inter-rater agreement: coefficients on units x raters tables, and bootstrap intervals."""
