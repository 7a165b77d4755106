// Command bench shows every segloss loss at work: its value and its
// throughput, forward and forward+backward, on a synthetic batch.
//
//	go run ./bench                 # every loss, the best kernel tier
//	go run ./bench -loss dice      # losses whose name contains "dice"
//	go run ./bench -tier generic   # force a tier (see kernels.Available)
//
// The multi-class losses run on an N x C x H x W batch with uint8 labels,
// the binary ones on N x 1 x H x W with 0/1 targets. Times are the median of
// -count runs after one warm-up run, on one goroutine.
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/segloss/segloss/kernels"
	"github.com/segloss/segloss/loss"
)

type entry struct {
	name       string
	multiclass *loss.Multiclass
	binary     *loss.Binary
}

func one(t loss.Term) []loss.Weighted { return []loss.Weighted{{Weight: 1, Term: t}} }

func entries(classWeights []float32) []entry {
	perImage := loss.Dice()
	perImage.PerImage, perImage.ExcludeBackground = true, true
	return []entry{
		{name: "ce", multiclass: &loss.Multiclass{Terms: one(&loss.CrossEntropy{})}},
		{name: "weighted-ce", multiclass: &loss.Multiclass{Terms: one(&loss.CrossEntropy{Weight: classWeights, Reduction: loss.PixelMean})}},
		{name: "ce-smooth-0.1", multiclass: &loss.Multiclass{Terms: one(&loss.CrossEntropy{LabelSmoothing: 0.1})}},
		{name: "focal", multiclass: &loss.Multiclass{Terms: one(&loss.Focal{Gamma: 2})}},
		{name: "dice", multiclass: &loss.Multiclass{Terms: one(loss.Dice())}},
		{name: "dice-per-image-nobg", multiclass: &loss.Multiclass{Terms: one(perImage)}},
		{name: "iou", multiclass: &loss.Multiclass{Terms: one(loss.IoU())}},
		{name: "tversky", multiclass: &loss.Multiclass{Terms: one(loss.Tversky(0.3, 0.7))}},
		{name: "focal-tversky", multiclass: &loss.Multiclass{Terms: one(loss.FocalTversky(0.3, 0.7, 0.75))}},
		{name: "ce+dice", multiclass: loss.CombinedLoss(0.5, 0.5)},
		{name: "mix-linear-e3/10", multiclass: loss.Mix(loss.Linear{}, 3, 10, &loss.CrossEntropy{}, loss.Dice())},
		{name: "binary-bce", binary: &loss.Binary{Terms: one(&loss.BCE{})}},
		{name: "binary-focal", binary: &loss.Binary{Terms: one(loss.NewSigmoidFocal())}},
		{name: "binary-dice", binary: &loss.Binary{Terms: one(loss.Dice())}},
		{name: "binary-bce+dice", binary: &loss.Binary{Terms: []loss.Weighted{{Weight: 0.5, Term: &loss.BCE{}}, {Weight: 0.5, Term: loss.Dice()}}}},
	}
}

func main() {
	var (
		filter = flag.String("loss", "", "run only the losses whose name contains this")
		tier   = flag.String("tier", "", "kernel tier: "+strings.Join(kernels.Available(), ", ")+" (default: the best)")
		count  = flag.Int("count", 5, "timed runs per row (the median is shown)")
		n      = flag.Int("n", 8, "images per batch")
		c      = flag.Int("c", 4, "classes of the multi-class batch")
		size   = flag.Int("size", 512, "image height and width")
	)
	flag.Parse()
	if *tier != "" {
		if err := kernels.Use(*tier); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
	if *count < 1 || *n < 1 || *c < 1 || *size < 1 {
		fmt.Fprintln(os.Stderr, "bench: -count, -n, -c and -size must be at least 1")
		os.Exit(2)
	}

	mc := loss.NewShape(*n, *c, *size, *size)
	bn := loss.NewShape(*n, 1, *size, *size)
	r := rand.New(rand.NewPCG(1, 2))
	// Synthetic batch: labels in rectangular blobs, class 0 (background)
	// the most frequent, logits that mostly agree with the labels.
	labels := make([]uint8, mc.N*mc.S)
	for i := range labels {
		h, w := (i%mc.S)/(*size), i%(*size)
		if k := ((h/64)*7 + (w/48)*3) % (mc.C + 3); k < mc.C {
			labels[i] = uint8(k)
		}
		if r.IntN(10) == 0 {
			labels[i] = uint8(r.IntN(mc.C))
		}
	}
	logits := make([]float32, mc.Len())
	for i := range logits {
		img, cls, px := i/(mc.C*mc.S), (i/mc.S)%mc.C, i%mc.S
		v := float32(r.NormFloat64())
		if int(labels[img*mc.S+px]) == cls {
			v += 2
		}
		logits[i] = v
	}
	targets := make([]float32, bn.Len())
	blogits := make([]float32, bn.Len())
	for i := range targets {
		if labels[i] == 1 {
			targets[i] = 1
		}
		blogits[i] = float32(r.NormFloat64()) + 3*targets[i] - 1.5
	}
	weights := make([]float32, mc.C)
	if err := loss.ClassWeights(loss.U8(labels), mc.C, loss.IgnoreIndex{}, weights); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	grad := make([]float32, mc.Len())

	fmt.Printf("segloss on %s: tier %s (available: %s), 1 goroutine, median of %d runs\n",
		runtimeDesc(), kernels.Active(), strings.Join(kernels.Available(), ", "), *count)
	fmt.Printf("multi-class batch %dx%dx%dx%d (uint8 labels), binary batch %dx1x%dx%d\n\n", mc.N, mc.C, *size, *size, bn.N, *size, *size)
	fmt.Printf("%-22s %-9s %12s %10s %12s\n", "loss", "mode", "value", "ms", "Mlogits/s")
	var ws loss.Workspace
	for _, e := range entries(weights) {
		if !strings.Contains(e.name, *filter) {
			continue
		}
		for _, backward := range []bool{false, true} {
			mode := "forward"
			if backward {
				mode = "fwd+bwd"
			}
			fmt.Fprintf(os.Stderr, "\r%-60s", "running "+e.name+" "+mode+"...")
			var run func() (float64, error)
			elems := mc.Len()
			switch {
			case e.multiclass != nil && backward:
				run = func() (float64, error) { return e.multiclass.Backward(&ws, logits, loss.U8(labels), mc, grad) }
			case e.multiclass != nil:
				run = func() (float64, error) { return e.multiclass.Forward(&ws, logits, loss.U8(labels), mc) }
			case backward:
				elems = bn.Len()
				run = func() (float64, error) { return e.binary.Backward(&ws, blogits, targets, bn, grad[:bn.Len()]) }
			default:
				elems = bn.Len()
				run = func() (float64, error) { return e.binary.Forward(&ws, blogits, targets, bn) }
			}
			v, err := run() // warm-up
			if err != nil {
				fmt.Fprintln(os.Stderr, "\n"+e.name+":", err)
				os.Exit(1)
			}
			times := make([]time.Duration, *count)
			for i := range times {
				t0 := time.Now()
				run()
				times[i] = time.Since(t0)
			}
			slices.Sort(times)
			med := times[len(times)/2]
			fmt.Fprintf(os.Stderr, "\r%-60s\r", "")
			fmt.Printf("%-22s %-9s %12.6f %10.2f %12.1f\n", e.name, mode, v,
				float64(med.Microseconds())/1000, float64(elems)/med.Seconds()/1e6)
		}
	}
}
