// Command benchcheck reads the CSV output of `benchstat -format csv
// baseline new` on stdin and exits with status 1 when a benchmark got slower
// (sec/op) by more than -max percent with a statistically significant
// difference (benchstat prints "~" for differences within the noise).
//
//	go tool benchstat -format csv old.txt new.txt | go run ./bench/benchcheck -max 10
package main

import (
	"bufio"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

func main() {
	maxPct := flag.Float64("max", 10, "the largest slowdown in percent that passes")
	flag.Parse()
	bad, n, err := check(os.Stdin, *maxPct)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchcheck:", err)
		os.Exit(2)
	}
	for _, b := range bad {
		fmt.Println("slower:", b)
	}
	if n == 0 {
		fmt.Fprintln(os.Stderr, "benchcheck: no sec/op comparison in the input (no common benchmarks?)")
		os.Exit(2)
	}
	if len(bad) > 0 {
		fmt.Printf("benchcheck: %d of %d benchmarks slower than the baseline by more than %.0f%%\n", len(bad), n, *maxPct)
		os.Exit(1)
	}
	fmt.Printf("benchcheck: %d benchmarks, none slower than the baseline by more than %.0f%%\n", n, *maxPct)
}

// check returns the benchmarks of the sec/op tables whose significant change
// exceeds maxPct, and how many benchmarks were compared.
func check(r io.Reader, maxPct float64) (bad []string, n int, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	inTime := false
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, ",") && !strings.Contains(line, ",") {
			continue // goos:, pkg: and blank lines
		}
		rec, err := csv.NewReader(strings.NewReader(line)).Read()
		if err != nil {
			return nil, 0, fmt.Errorf("%q: %v", line, err)
		}
		if rec[0] == "" { // a table header: file names, then units
			if len(rec) > 2 && rec[2] == "CI" {
				inTime = rec[1] == "sec/op"
			}
			continue
		}
		if !inTime || rec[0] == "geomean" || len(rec) < 6 {
			continue
		}
		n++
		delta := rec[5]
		if delta == "~" || delta == "" {
			continue
		}
		pct, err := strconv.ParseFloat(strings.TrimSuffix(delta, "%"), 64)
		if err != nil {
			return nil, 0, fmt.Errorf("%s: change %q: %v", rec[0], delta, err)
		}
		if pct > maxPct {
			bad = append(bad, fmt.Sprintf("%s %s (%s)", rec[0], delta, rec[len(rec)-1]))
		}
	}
	return bad, n, sc.Err()
}
