// Command train is segloss's worked example: it trains a small per-pixel
// softmax model on a synthetic, strongly imbalanced segmentation data set
// (64x64 images, 3-5% foreground, noisy) with each of several losses, stops
// early on validation Dice, and prints the validation Dice and IoU of the
// foreground class per loss. It writes the training and validation loss and
// Dice curves as CSV and PNG into -out.
//
// The model is softmax regression on 6 local features per pixel (a
// constant, the intensity and four box means), trained by plain minibatch
// SGD: segloss gives d(loss)/d(logits), and the chain rule gives the
// gradient of the weights. Everything is seeded, so a run is repeatable.
//
//	go run . -out out
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// defaultConfig is the run the README shows.
func defaultConfig() Config {
	return Config{
		Seed:     1,
		Train:    48,
		Val:      16,
		Test:     32,
		Batch:    8,
		Epochs:   100,
		Patience: 15,
		MinDelta: 1e-4,
		LR:       2,
		Data:     defaultData,
		Specs:    Specs,
		OutDir:   "out",
	}
}

func main() {
	cfg := defaultConfig()
	flag.StringVar(&cfg.OutDir, "out", cfg.OutDir, "directory for curves.csv, results.csv and curves.png (created; \"\" writes nothing)")
	flag.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "random seed of the data set and the batches")
	flag.IntVar(&cfg.Epochs, "epochs", cfg.Epochs, "maximum number of epochs")
	flag.IntVar(&cfg.Patience, "patience", cfg.Patience, "early stopping: epochs without a validation Dice gain")
	flag.Float64Var(&cfg.LR, "lr", cfg.LR, "SGD learning rate")
	flag.IntVar(&cfg.Train, "train", cfg.Train, "training images")
	flag.IntVar(&cfg.Val, "val", cfg.Val, "validation images")
	flag.IntVar(&cfg.Test, "test", cfg.Test, "test images")
	flag.Parse()
	if err := run(cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "train:", err)
		os.Exit(1)
	}
}

// run trains, prints the table to w and writes the files.
func run(cfg Config, w io.Writer) error {
	if cfg.Batch < 1 || cfg.Train < cfg.Batch || cfg.Val < 1 || cfg.Test < 1 || cfg.Epochs < 1 {
		return fmt.Errorf("need batch >= 1, train >= batch, val >= 1, test >= 1, epochs >= 1 (got %d, %d, %d, %d, %d)",
			cfg.Batch, cfg.Train, cfg.Val, cfg.Test, cfg.Epochs)
	}
	start := time.Now()
	out, allFg, err := Run(cfg)
	if err != nil {
		return err
	}
	printTable(w, cfg, out, allFg)
	fmt.Fprintf(w, "trained %d losses in %.1fs\n", len(out), time.Since(start).Seconds())
	if cfg.OutDir == "" {
		return nil
	}
	if err := os.MkdirAll(cfg.OutDir, 0o755); err != nil {
		return err
	}
	if err := writeCSV(cfg.OutDir, out); err != nil {
		return err
	}
	png := filepath.Join(cfg.OutDir, "curves.png")
	if err := plotCurves(png, out, allFg); err != nil {
		return err
	}
	fmt.Fprintf(w, "wrote %s, %s, %s\n", filepath.Join(cfg.OutDir, "curves.csv"), filepath.Join(cfg.OutDir, "results.csv"), png)
	return nil
}

func printTable(w io.Writer, cfg Config, out []Outcome, allFg float64) {
	fmt.Fprintf(w, "%d train / %d val / %d test images of %dx%d, foreground %.0f-%.0f%% of pixels; foreground class, hard (argmax) scores\n",
		cfg.Train, cfg.Val, cfg.Test, Side, Side, 100*cfg.Data.MinFrac, 100*cfg.Data.MaxFrac)
	fmt.Fprintf(w, "%-22s %6s %4s | %8s %7s | %9s %8s %9s %6s\n", "loss", "epochs", "best", "val Dice", "val IoU", "test Dice", "test IoU", "precision", "recall")
	for _, o := range out {
		fmt.Fprintf(w, "%-22s %6d %4d | %8.4f %7.4f | %9.4f %8.4f %9.4f %6.4f\n", o.Name, len(o.Curve), o.BestEpoch,
			o.Val.Dice, o.Val.IoU, o.Test.Dice, o.Test.IoU, o.Test.Precision, o.Test.Recall)
	}
	fmt.Fprintf(w, "%-22s %6s %4s | %8.4f %7.4f |\n", "(all foreground)", "", "", allFg, allFg/(2-allFg))
}
