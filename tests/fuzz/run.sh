#!/usr/bin/env bash
# Run libFuzzer harnesses for FUZZ_SECONDS each; TAP out, one test a harness.
# Usage (from the build directory): tests/fuzz/run.sh HARNESS...
# Each starts from its checked-in corpus (tests/fuzz/corpus/NAME, read only)
# and grows a working corpus in tests/fuzz/run/NAME; a crash leaves its input
# in tests/fuzz/run/NAME-crash-* and fails the test.
set -u
: "${FUZZ_SECONDS:=60}" "${SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"

n=0 failed=0 total=0
for h in "$@"; do
	n=$((n + 1))
	bin=tests/fuzz/fuzz-$h
	work=tests/fuzz/run/$h
	log=tests/fuzz/run/$h.log
	mkdir -p "$work"
	rm -f tests/fuzz/run/"$h"-crash-* tests/fuzz/run/"$h"-timeout-* \
		tests/fuzz/run/"$h"-oom-* tests/fuzz/run/"$h"-leak-*
	dict=()
	[ -f "$SRCDIR/tests/fuzz/dict/$h.dict" ] && dict=(-dict="$SRCDIR/tests/fuzz/dict/$h.dict")
	if [ ! -x "$bin" ]; then
		echo "not ok $n - fuzz-$h: $bin not built"
		failed=$((failed + 1))
		continue
	fi
	"$bin" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="tests/fuzz/run/$h-" \
		"${dict[@]}" "$work" "$SRCDIR/tests/fuzz/corpus/$h" >"$log" 2>&1
	status=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	corpus=$(ls "$work" | wc -l)
	if [ "$status" -eq 0 ]; then
		echo "ok $n - fuzz-$h: ${execs:-?} executions in ${FUZZ_SECONDS} s, $corpus inputs in the working corpus"
		total=$((total + ${execs:-0}))
	else
		failed=$((failed + 1))
		echo "not ok $n - fuzz-$h: exit $status after ${execs:-?} executions; input: $(ls tests/fuzz/run/"$h"-* 2>/dev/null | grep -v '\.log$' | head -1)"
		grep -E 'ERROR|property broken|SUMMARY|#[0-9]+ ' "$log" | grep -v '^#[0-9]* *\(NEW\|REDUCE\|pulse\|INITED\)' | head -15 | sed 's/^/#   /'
	fi
done
echo "# fuzz: $total executions in total"
echo "1..$n"
[ "$failed" -eq 0 ]
