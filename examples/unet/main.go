// Command unet trains a U-Net written in gorgonia (gorgonia.org/gorgonia,
// pure Go, CPU) on synthetic microscopy-like images of touching cells,
// once per loss of the chapter, with segloss computing every loss and its
// gradient d(loss)/d(logits), and compares the losses on a held-out test
// set: Dice, IoU, HD95, precision, recall and the number of touching cells
// the prediction keeps apart.
//
//	go run .           # the full comparison (128x128 images; see the README for its time)
//	go run . -quick    # a small version, 64x64 (under 2 minutes)
//	go run . -smoke    # a tiny one for make test (seconds)
//	go run . -out DIR  # where the CSV files and pictures go (default out)
//
// The network is a 3-level U-Net (two 3x3 convolutions with ReLU per level,
// max-pool down, nearest-neighbour upsampling up, skip concatenations, a
// 1x1 head; 8 channels at the top level), NCHW float32, trained with Adam.
// segloss enters the graph as one node (ops.go): its forward pass calls
// the loss's Backward, which returns the value and the gradient at once, and
// its derivative hands that gradient to gorgonia's backward pass.
// Everything is seeded: a run repeats exactly on one machine.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"
)

// fullConfig is the run the README shows.
func fullConfig() Config {
	return Config{
		Seed:     1,
		Side:     128,
		Train:    24,
		Val:      8,
		Test:     16,
		Batch:    4,
		Epochs:   20,
		Patience: 5,
		MinDelta: 1e-4,
		LR:       3e-3,
		Arch:     Arch{Levels: 3, Base: 8, In: 1, Classes: Classes},
		Specs:    Specs,
		Grid:     [][2]float64{{1, 0}, {0.75, 0.25}, {0.5, 0.5}, {0.25, 0.75}, {0, 1}},
		Jobs:     runtime.GOMAXPROCS(0),
		OutDir:   "out",
	}
}

// quickConfig is -quick: 64x64 images, fewer of them, fewer epochs.
func quickConfig() Config {
	c := fullConfig()
	c.Side, c.Train, c.Val, c.Test = 64, 16, 8, 8
	c.Epochs, c.Patience = 5, 3
	return c
}

// smokeConfig is -smoke, for make test: everything runs, nothing learns
// much.
func smokeConfig() Config {
	c := fullConfig()
	c.Side, c.Train, c.Val, c.Test = 32, 4, 2, 2
	c.Batch, c.Epochs, c.Patience = 2, 2, 2
	c.Grid = [][2]float64{{1, 0}, {0.5, 0.5}, {0.25, 0.75}}
	return c
}

func main() {
	quick := flag.Bool("quick", false, "a small version: 64x64 images, 5 epochs (under 2 minutes)")
	smoke := flag.Bool("smoke", false, "a tiny version for make test: 32x32 images, 2 epochs")
	out := flag.String("out", "out", "directory for the CSV files and pictures (created; \"\" writes nothing)")
	seed := flag.Uint64("seed", 1, "random seed of the data, the initial weights and the batch order")
	quiet := flag.Bool("q", false, "no per-epoch progress")
	jobs := flag.Int("jobs", runtime.GOMAXPROCS(0), "trainings run at once (gorgonia keeps about one core busy per training)")
	flag.Parse()
	cfg := fullConfig()
	switch {
	case *smoke:
		cfg = smokeConfig()
	case *quick:
		cfg = quickConfig()
	}
	cfg.OutDir, cfg.Seed, cfg.Jobs = *out, *seed, *jobs
	if !*quiet {
		cfg.Log = os.Stderr
	}
	if err := run(cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "unet:", err)
		os.Exit(1)
	}
}

// run trains every loss (and the grid), prints the tables to w and writes
// the files.
func run(cfg Config, w io.Writer) error {
	if cfg.Batch < 1 || cfg.Train < cfg.Batch || cfg.Val < 1 || cfg.Test < 1 || cfg.Epochs < 1 || len(cfg.Specs) == 0 {
		return fmt.Errorf("need batch >= 1, train >= batch, val, test, epochs >= 1 and a loss (got %d, %d, %d, %d, %d, %d)",
			cfg.Batch, cfg.Train, cfg.Val, cfg.Test, cfg.Epochs, len(cfg.Specs))
	}
	start := time.Now()
	res, err := Run(cfg)
	if err != nil {
		return err
	}
	printReport(w, cfg, res)
	fmt.Fprintf(w, "total %.1fs (data %.1fs)\n", time.Since(start).Seconds(), res.DataTime.Seconds())
	if cfg.OutDir == "" {
		return nil
	}
	if err := os.MkdirAll(cfg.OutDir, 0o755); err != nil {
		return err
	}
	files, err := writeOutputs(cfg, res)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "wrote %v\n", files)
	return nil
}
