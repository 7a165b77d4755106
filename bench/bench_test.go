package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/segloss/segloss/internal/kernels"
	"github.com/segloss/segloss/loss"
)

// BenchmarkLoss measures every loss in both modes, on every tier this CPU
// runs and both default workloads, on one goroutine. b.SetBytes counts the
// logits' bytes, so MB/s reads as logits throughput.
//
//	go test ./bench -run '^$' -bench 'Loss/loss=ce\+dice/mode=fwd\+bwd/tier=avx512'
func BenchmarkLoss(b *testing.B) {
	defer kernels.Use(kernels.Available()[0])
	for _, spec := range defaultWorkloads {
		w, err := newWorkload(spec)
		if err != nil {
			b.Fatal(err)
		}
		for _, d := range losses {
			for _, backward := range []bool{false, true} {
				mode := "forward"
				if backward {
					mode = "fwd+bwd"
				}
				for _, tier := range kernels.Available() {
					name := fmt.Sprintf("loss=%s/mode=%s/tier=%s/shape=%s", d.name, mode, tier, spec)
					b.Run(name, func(b *testing.B) {
						if err := kernels.Use(tier); err != nil {
							b.Fatal(err)
						}
						var ws loss.Workspace
						f, elems := d.runner(w, backward, 1, &ws)
						if _, err := f(); err != nil {
							b.Fatal(err)
						}
						b.SetBytes(int64(4 * elems))
						b.ReportAllocs()
						for b.Loop() {
							f()
						}
					})
				}
			}
		}
	}
}

// BenchmarkRoofline measures the plain sum (the forward roofline) and copy
// (the forward+backward roofline) over each workload's logits.
func BenchmarkRoofline(b *testing.B) {
	defer kernels.Use(kernels.Available()[0])
	for _, spec := range defaultWorkloads {
		w, err := newWorkload(spec)
		if err != nil {
			b.Fatal(err)
		}
		for _, tier := range kernels.Available() {
			b.Run(fmt.Sprintf("kind=sum/tier=%s/shape=%s", tier, spec), func(b *testing.B) {
				kernels.Use(tier)
				b.SetBytes(int64(4 * len(w.logits)))
				for b.Loop() {
					sink += kernels.Sum(w.logits)
				}
			})
		}
		b.Run(fmt.Sprintf("kind=copy/shape=%s", spec), func(b *testing.B) {
			b.SetBytes(int64(4 * len(w.logits)))
			for b.Loop() {
				kernels.Copy(w.grad, w.logits)
			}
		})
	}
}

// TestBenchCommand runs the command on a small workload, every loss, both
// output formats.
func TestBenchCommand(t *testing.T) {
	var table, js bytes.Buffer
	if err := run(&table, "false", false, "", "", "2x3x17x19", 1, 1, ""); err != nil {
		t.Fatal(err)
	}
	if err := run(&js, "false", true, "", "", "2x3x17x19", 1, 1, ""); err != nil {
		t.Fatal(err)
	}
	// One JSON row per loss and mode, each with a finite value and time,
	// the same value the table shows.
	dec := json.NewDecoder(&js)
	n := 0
	for dec.More() {
		var r Row
		if err := dec.Decode(&r); err != nil {
			t.Fatal(err)
		}
		n++
		if !(r.MS > 0) || math.IsNaN(r.Value) || r.Threads != 1 || r.Workload != "2x3x17x19" {
			t.Errorf("row %+v", r)
		}
		if !strings.Contains(table.String(), fmt.Sprintf("%-20s %-8s %9.6f", r.Loss, r.Mode, r.Value)) {
			t.Errorf("the table lacks %s %s %.6f:\n%s", r.Loss, r.Mode, r.Value, table.String())
		}
	}
	base := 0
	for _, d := range losses {
		if !d.extra {
			base++
		}
	}
	if n != 2*base {
		t.Errorf("%d JSON rows, want %d (the rows without -extra)", n, 2*base)
	}
	// With -extra, the MONAI/SMP rows too, each with a finite value.
	includeExtra = true
	var ex bytes.Buffer
	err := run(&ex, "false", true, "gdl,mcc,lovasz", "", "2x3x17x19", 1, 1, "")
	includeExtra = false
	if err != nil {
		t.Fatal(err)
	}
	k := 0
	for dec := json.NewDecoder(&ex); dec.More(); k++ {
		var r Row
		if err := dec.Decode(&r); err != nil {
			t.Fatal(err)
		}
		if !(r.MS > 0) || math.IsNaN(r.Value) || math.IsInf(r.Value, 0) {
			t.Errorf("extra row %+v", r)
		}
	}
	if k != 2*(len(losses)-base) {
		t.Errorf("%d extra JSON rows, want %d", k, 2*(len(losses)-base))
	}
	if err := run(io.Discard, "false", false, "no-such-loss", "", "2x3x17x19", 1, 1, ""); err == nil {
		t.Error("-loss matching nothing: no error")
	}
	if err := run(io.Discard, "false", false, "", "", "2x3", 1, 1, ""); err == nil {
		t.Error("bad -shape: no error")
	}
	if err := run(io.Discard, "false", false, "", "no-such-tier", "2x3x4x4", 1, 1, ""); err == nil {
		t.Error("bad -tier: no error")
	}
}
