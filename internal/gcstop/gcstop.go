// Package gcstop measures how long the garbage collector waits to stop the
// world while a function runs in a loop: the tests' check that no call
// holds up the scheduler (an assembly call cannot be preempted; a Go loop
// can).
package gcstop

import (
	"math"
	"runtime"
	"runtime/metrics"
	"slices"
	"sync/atomic"
)

const name = "/sched/pauses/stopping/gc:seconds"

// Worst runs f in a loop on another goroutine while it forces gcs garbage
// collections, and returns the largest stop-the-world wait of those (the
// upper edge of the histogram bucket), the number of calls of f that ran,
// and false when this runtime has no such histogram. f's error stops the
// loop and is returned.
func Worst(f func() error, gcs int) (worst float64, calls int, ok bool, err error) {
	sample := []metrics.Sample{{Name: name}}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindFloat64Histogram {
		return 0, 0, false, nil
	}
	h := sample[0].Value.Float64Histogram()
	before := slices.Clone(h.Counts)
	var done atomic.Bool
	type result struct {
		n   int
		err error
	}
	res := make(chan result)
	go func() {
		n := 0
		for !done.Load() {
			if err := f(); err != nil {
				res <- result{n, err}
				return
			}
			n++
		}
		res <- result{n, nil}
	}()
	for range gcs {
		runtime.GC()
	}
	done.Store(true)
	r := <-res
	metrics.Read(sample)
	after := sample[0].Value.Float64Histogram()
	for i := range after.Counts {
		if after.Counts[i] > before[i] {
			worst = after.Buckets[i+1]
			if math.IsInf(worst, 1) {
				worst = after.Buckets[i]
			}
		}
	}
	return worst, r.n, true, r.err
}
