// Which function names are aggregates. The planner decomposes five of them into partials the
// holders compute and the asking tab merges; any other aggregate (or a window) makes a query
// non-decomposable, and it is answered by gathering rows instead, never by a wrong merge.

/** Aggregates with an exact merge of per-shard partials. */
export const DECOMPOSABLE_AGGREGATES = new Set(['COUNT', 'SUM', 'MIN', 'MAX', 'AVG']);

/** DuckDB's other aggregate functions (and aliases); seeing one means "gather". */
const OTHER_AGGREGATES = new Set(
  `ANY_VALUE APPROX_COUNT_DISTINCT APPROX_QUANTILE ARBITRARY ARG_MAX ARG_MAX_NULL ARG_MIN ARG_MIN_NULL ARGMAX ARGMIN ARRAY_AGG
  AVG_WEIGHTED BIT_AND BIT_OR BIT_XOR BITSTRING_AGG BOOL_AND BOOL_OR CORR COUNT_IF COUNT_STAR COUNTIF COVAR_POP COVAR_SAMP
  ENTROPY FAVG FIRST FSUM GEOMEAN GEOMETRIC_MEAN GROUP_CONCAT GROUPING HISTOGRAM KAHAN_SUM KURTOSIS KURTOSIS_POP LAST LIST LISTAGG
  MAD MAX_BY MEAN MEDIAN MIN_BY MODE PRODUCT QUANTILE QUANTILE_CONT QUANTILE_DISC REGR_AVGX REGR_AVGY REGR_COUNT
  REGR_INTERCEPT REGR_R2 REGR_SLOPE REGR_SXX REGR_SXY REGR_SYY RESERVOIR_QUANTILE SEM SKEWNESS STDDEV STDDEV_POP
  STDDEV_SAMP STRING_AGG SUMKAHAN SUM_NO_OVERFLOW VAR_POP VAR_SAMP VARIANCE WEIGHTED_AVG`.split(/\s+/),
);

/** Whether a function name (upper-cased) is an aggregate DuckDB knows. */
export function isAggregateName(name: string): boolean {
  return DECOMPOSABLE_AGGREGATES.has(name) || OTHER_AGGREGATES.has(name);
}
