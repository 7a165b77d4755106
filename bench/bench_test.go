package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/segloss/segloss/internal/kernels"
	"github.com/segloss/segloss/loss"
)

// BenchmarkLoss measures every loss in both modes, on every tier this CPU
// runs and the default workloads (each with its losses: the whole-body
// 1x105x96x96x96 runs CE, Dice and CE + Dice), on one goroutine.
// b.SetBytes counts the logits' bytes, so MB/s reads as logits throughput.
//
//	go test ./bench -run '^$' -bench 'Loss/loss=ce\+dice/mode=fwd\+bwd/tier=avx512'
func BenchmarkLoss(b *testing.B) {
	defer kernels.Use(kernels.Available()[0])
	for _, spec := range defaultWorkloads {
		w, err := newWorkload(spec.shape)
		if err != nil {
			b.Fatal(err)
		}
		for _, d := range losses {
			if !spec.runs(d.name) {
				continue
			}
			for _, backward := range []bool{false, true} {
				mode := "forward"
				if backward {
					mode = "fwd+bwd"
				}
				for _, tier := range kernels.Available() {
					name := fmt.Sprintf("loss=%s/mode=%s/tier=%s/shape=%s", d.name, mode, tier, spec.shape)
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

// BenchmarkRoofline measures the streaming kernels over each workload's
// logits: the tier's plain sum and copy, and Go's copy (non-temporal from
// 1 MiB on amd64 with AVX), the fastest copy of `go run ./bench`'s limit
// column being one of the copies.
func BenchmarkRoofline(b *testing.B) {
	defer kernels.Use(kernels.Available()[0])
	for _, sp := range defaultWorkloads {
		spec := sp.shape
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
		b.Run(fmt.Sprintf("kind=gocopy/shape=%s", spec), func(b *testing.B) {
			b.SetBytes(int64(4 * len(w.logits)))
			for b.Loop() {
				copy(w.grad, w.logits)
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
		if !(r.MS > 0) || math.IsNaN(r.Value) || r.Threads != 1 || r.Workload != "2x3x17x19" || r.Runs != 1 {
			t.Errorf("row %+v", r)
		}
		if !(r.NsPerLogit > 0) || !(r.Limit > 0) || !(r.LimitMS > 0) || !(r.StreamGBps > 0) || r.Bytes <= 0 ||
			r.AllocMB < 0 || r.AllocFirstMB < 0 || math.Abs(r.LimitMS/r.MS-r.Limit) > 1e-9*r.Limit ||
			math.Abs(r.NsPerLogit*r.MLogits-1e3) > 1e-6 {
			t.Errorf("row %s %s: limit or ns/logit columns %+v", r.Loss, r.Mode, r)
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
	// With -extra, the MONAI/SMP and per-pixel weight rows too, each with a
	// finite value.
	includeExtra = true
	var ex bytes.Buffer
	err := run(&ex, "false", true, "gdl,mcc,lovasz,pixel-weighted,masked,binary-weighted,-probs,soft-dice,soft-ce", "", "2x3x17x19", 1, 1, "")
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
	for _, h := range []string{"ns/logit", "limit", "MB 1st", "torch MB", "-- 2x3x17x19, "} {
		if !strings.Contains(table.String(), h) {
			t.Errorf("the table lacks %q:\n%s", h, table.String())
		}
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

// TestPassBytes checks the bytes of the limit column: 120 logits (480
// bytes) of 40 pixels, with uint8 labels (2-D) and int32 labels (3-D); the
// binary losses read 40 logits and 40 float32 targets.
func TestPassBytes(t *testing.T) {
	region := map[string]bool{"dice": true, "ce+dice": true, "mix-linear-3of10": true, "iou": true,
		"binary-dice": true, "binary-bce+dice": true, "lovasz-softmax": true, "binary-lovasz-hinge": true}
	pixelwise := map[string]bool{"ce": true, "weighted-ce": true, "focal": true, "binary-bce": true, "binary-focal": true}
	for _, c := range []struct {
		shape string
		label int64
	}{{"2x3x4x5", 40}, {"2x3x2x2x5", 160}} {
		w, err := newWorkload(c.shape)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range losses {
			if !region[d.name] && !pixelwise[d.name] {
				continue
			}
			in := 480 + c.label
			if d.binary {
				in = 160 + 160
			}
			out := int64(480) // the gradient: the logits' bytes
			if d.binary {
				out = 160
			}
			fwd, bwd := in, in+out // one read, or one fused pass
			if region[d.name] {
				bwd = 2*in + out // statistics, then gradient
			}
			if f, b := d.passBytes(w, false), d.passBytes(w, true); f != fwd || b != bwd {
				t.Errorf("%s %s: bytes %d forward, %d fwd+bwd; want %d, %d", c.shape, d.name, f, b, fwd, bwd)
			}
		}
	}
}

// TestDefaultWorkloads: the default workloads parse, their loss lists name
// losses that exist, and the whole-body patch is among them with int32
// labels.
func TestDefaultWorkloads(t *testing.T) {
	found := false
	for _, sp := range defaultWorkloads {
		if _, _, _, err := parseShape(sp.shape); err != nil {
			t.Error(err)
		}
		for _, name := range sp.losses {
			if !slices.ContainsFunc(losses, func(d lossDef) bool { return d.name == name }) {
				t.Errorf("%s: no loss %q", sp.shape, name)
			}
		}
		if sp.shape == "1x105x96x96x96" {
			found = true
			if n, c, s, _ := parseShape(sp.shape); n*c*s[0]*s[1]*s[2] < bigLogits || len(s) != 3 {
				t.Errorf("%s is not big (%d logits)", sp.shape, n*c*s[0]*s[1]*s[2])
			}
		}
	}
	if !found {
		t.Error("1x105x96x96x96 not among the default workloads")
	}
}

// TestCustomRowsTakeThreads: the custom rows (weighted, probability and
// soft-label losses) run with the row's -threads as their Workers; they ran
// on GOMAXPROCS goroutines whatever -threads said (review finding).
func TestCustomRowsTakeThreads(t *testing.T) {
	w, err := newWorkload("2x3x17x19")
	if err != nil {
		t.Fatal(err)
	}
	var ws loss.Workspace
	defer ws.Close()
	n := 0
	for i := range losses {
		d := &losses[i]
		if d.custom == nil || strings.HasPrefix(d.name, "lovasz") || strings.HasSuffix(d.name, "lovasz-hinge") {
			continue
		}
		for _, workers := range []int{1, 3} {
			f, _ := d.runner(w, true, workers, &ws)
			if _, err := f(); err != nil {
				t.Fatalf("%s: %v", d.name, err)
			}
			if w.workers != workers {
				t.Fatalf("%s: ran with workers %d, want %d", d.name, w.workers, workers)
			}
		}
		n++
	}
	if n < 6 {
		t.Fatalf("%d custom rows", n)
	}
}
