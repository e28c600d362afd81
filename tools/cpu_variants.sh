#!/usr/bin/env bash
# Run the test suite under the CPU variants of issue 9 §1: the suite must pass on any x86-64
# machine, so it is run with OpenBLAS's SSE-only kernels (Prescott), its AVX2 kernels (Haswell),
# whatever OpenBLAS picks for this CPU (default), and Numba compiling for a generic x86-64 CPU
# (with a fresh cache, so no kernel compiled for this CPU is reused).
#
# usage: tools/cpu_variants.sh [pytest arguments...]
#   no arguments: the whole suite, `-n 2 -q` (the README's command)
#   VARIANTS="prescott generic" tools/cpu_variants.sh tests/stats   runs a subset of variants
#   LOG_DIR=dir keeps each variant's pytest output in dir/<variant>.log (default: a temp dir)
#
# For each variant it prints the BLAS kernel OpenBLAS actually loaded (threadpoolctl) and the
# CPU Numba compiles for, so a variable that silently had no effect is seen, then pytest's
# summary line and the wall time. The exit status is non-zero when any variant failed.
set -uo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-.venv/bin/python}
LOG_DIR=${LOG_DIR:-$(mktemp -d -t glassml-cpu-variants.XXXXXX)}
mkdir -p "$LOG_DIR"
VARIANTS=${VARIANTS:-"default prescott haswell generic"}
if [ $# -eq 0 ]; then
    set -- -n 2 -q
fi

probe='import numpy, scipy.linalg, numba
from threadpoolctl import threadpool_info
from numba.core import config
blas = sorted({i["internal_api"] + ":" + str(i.get("architecture"))
               for i in threadpool_info() if i["user_api"] == "blas"})
print("   blas", ",".join(blas), "| numba cpu", config.CPU_NAME or "host")'

status=0
for variant in $VARIANTS; do
    env_vars=()
    case "$variant" in
        default) ;;
        prescott) env_vars=(OPENBLAS_CORETYPE=Prescott) ;;
        haswell) env_vars=(OPENBLAS_CORETYPE=Haswell) ;;
        generic)
            cache=$(mktemp -d -t glassml-numba-cache.XXXXXX)
            env_vars=(NUMBA_CPU_NAME=generic "NUMBA_CACHE_DIR=$cache")
            ;;
        *) echo "unknown variant: $variant (default, prescott, haswell, generic)" >&2; exit 2 ;;
    esac
    log="$LOG_DIR/$variant.log"
    echo "== $variant: ${env_vars[*]:-(no variables)}"
    env "${env_vars[@]}" "$PY" -c "$probe"
    start=$(date +%s)
    env "${env_vars[@]}" "$PY" -m pytest -p no:cacheprovider "$@" >"$log" 2>&1
    rc=$?
    echo "   $(tail -n 1 "$log")"
    echo "   exit $rc, $(($(date +%s) - start)) s, load $(cut -d' ' -f1-3 /proc/loadavg), log $log"
    [ "$rc" -eq 0 ] || status=1
    if [ "$variant" = generic ]; then rm -rf "$cache"; fi
done
exit $status
