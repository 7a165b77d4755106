package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"time"
)

// printReport prints the data set, the comparison table, the grid and the
// timing.
func printReport(w io.Writer, cfg Config, r *Results) {
	fg, gap, cells := r.Data.Train.Stats()
	fmt.Fprintf(w, "U-Net %d levels, base width %d (%d parameters), Adam lr %g, batch %d, at most %d epochs, early stopping on validation Dice (patience %d)\n",
		cfg.Arch.Levels, cfg.Arch.Base, NewWeights(cfg.Arch, cfg.Seed).Count(), cfg.LR, cfg.Batch, cfg.Epochs, cfg.Patience)
	fmt.Fprintf(w, "%d train / %d val / %d test images of %dx%d: cells %.0f%% of pixels, gaps between touching cells %.1f%%, %.1f cells per image\n",
		cfg.Train, cfg.Val, cfg.Test, cfg.Side, cfg.Side, 100*fg, 100*gap, cells)
	fmt.Fprintf(w, "inverse-frequency class weights of the training set (loss.ClassWeights, for weighted CE): background %.3f, cells %.3f\n",
		r.ClassWeights[0], r.ClassWeights[1])
	fmt.Fprintln(w)
	fmt.Fprintf(w, "test set, cell class, hard (argmax) predictions; separated: true cells matched one-to-one by a predicted component at IoU > 0.5\n")
	header(w, "loss")
	for _, o := range r.Outcomes {
		row(w, o.Name, o, false)
	}
	if len(r.Grid) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintf(w, "grid search of alpha*CE + beta*Dice, scored on validation Dice (best marked)\n")
		fmt.Fprintf(w, "%5s %5s %-10s", "alpha", "beta", "run")
		header(w, "")
		best := 0
		for i, g := range r.Grid {
			if g.Outcome.Val > r.Grid[best].Outcome.Val {
				best = i
			}
		}
		for i, g := range r.Grid {
			run := "trained"
			if g.Reused != "" {
				run = "= " + g.Reused
			}
			fmt.Fprintf(w, "%5g %5g %-10s", g.Alpha, g.Beta, run)
			row(w, "", g.Outcome, i == best)
		}
	}
	fmt.Fprintln(w)
	printTiming(w, cfg, r)
}

func header(w io.Writer, name string) {
	if name != "" {
		fmt.Fprintf(w, "%-24s", name)
	}
	fmt.Fprintf(w, " %6s %4s %8s | %6s %6s %5s %5s %6s %6s | %10s %9s %8s\n",
		"epochs", "best", "val Dice", "Dice", "IoU", "HD95", "ASSD", "prec", "recall", "separated", "small", "gaps kept")
}

func row(w io.Writer, name string, o *Outcome, best bool) {
	if name != "" {
		fmt.Fprintf(w, "%-24s", name)
	}
	t := o.Test
	mark := ""
	if best {
		mark = "  <- best"
	}
	fmt.Fprintf(w, " %6d %4d %8.4f | %6.4f %6.4f %5.2f %5.3f %6.4f %6.4f | %4d/%-5d %4d/%-4d %8.1f%%%s\n",
		len(o.Curve), o.BestEpoch, o.Val, t.Dice, t.IoU, t.HD95, t.ASSD, t.Precision, t.Recall,
		t.Separated, t.Cells, t.SmallFound, t.Small, 100*t.GapRecall, mark)
}

func printTiming(w io.Writer, cfg Config, r *Results) {
	t := r.TotalTiming()
	if t.Steps == 0 {
		return
	}
	step := t.Step / time.Duration(t.Steps)
	gor := t.Step - t.Segloss
	fmt.Fprintf(w, "%d trainings at a time on %d cores (GOMAXPROCS), %.1f min for all of them\n",
		max(1, cfg.Jobs), runtime.GOMAXPROCS(0), (r.Wall - r.DataTime).Minutes())
	fmt.Fprintf(w, "%d training steps, %.1f ms per step: gorgonia (forward, backward, Adam) %.1f ms (%.2f%%), segloss %.3f ms (%.2f%%)\n",
		t.Steps, ms(step), ms(gor)/float64(t.Steps), 100*float64(gor)/float64(t.Step),
		ms(t.Segloss)/float64(t.Steps), 100*float64(t.Segloss)/float64(t.Step))
	fmt.Fprintf(w, "weight maps and signed maps (distance): %.1f ms per image, once, when the data set is drawn\n",
		ms(r.MapsTime)/float64(len(r.Data.Train)+len(r.Data.Val)+len(r.Data.Test)))
	for _, o := range r.Outcomes {
		ot := o.Timing
		fmt.Fprintf(w, "  %-24s %4d steps %7.1f ms/step, segloss %6.3f ms/step (%.2f%%)\n", o.Name, ot.Steps,
			ms(ot.Step)/float64(ot.Steps), ms(ot.Segloss)/float64(ot.Steps), 100*float64(ot.Segloss)/float64(ot.Step))
	}
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

// writeOutputs writes curves.csv, results.csv, grid.csv and the pictures
// into cfg.OutDir and returns their paths.
func writeOutputs(cfg Config, r *Results) ([]string, error) {
	f := func(v float64) string {
		if math.IsNaN(v) {
			return ""
		}
		return strconv.FormatFloat(v, 'g', 8, 64)
	}
	curves := [][]string{{"loss", "epoch", "weight", "train_loss", "val_loss", "val_dice"}}
	results := [][]string{{"loss", "epochs", "best_epoch", "val_dice", "test_dice", "test_iou", "test_hd95", "test_assd", "test_precision", "test_recall",
		"separated", "cells", "components", "small_found", "small", "gap_recall", "steps", "ms_per_step", "segloss_ms_per_step"}}
	res := func(name string, o *Outcome) []string {
		t := o.Test
		return []string{name, strconv.Itoa(len(o.Curve)), strconv.Itoa(o.BestEpoch), f(o.Val), f(t.Dice), f(t.IoU), f(t.HD95), f(t.ASSD),
			f(t.Precision), f(t.Recall), strconv.Itoa(t.Separated), strconv.Itoa(t.Cells), strconv.Itoa(t.Components),
			strconv.Itoa(t.SmallFound), strconv.Itoa(t.Small), f(t.GapRecall), strconv.Itoa(o.Timing.Steps),
			f(ms(o.Timing.Step) / float64(o.Timing.Steps)), f(ms(o.Timing.Segloss) / float64(o.Timing.Steps))}
	}
	for _, o := range r.Outcomes {
		for _, e := range o.Curve {
			curves = append(curves, []string{o.Name, strconv.Itoa(e.Epoch), f(e.Weight), f(e.TrainLoss), f(e.ValLoss), f(e.ValDice)})
		}
		results = append(results, res(o.Name, o))
	}
	grid := [][]string{append([]string{"alpha", "beta", "reused"}, results[0]...)}
	for _, g := range r.Grid {
		grid = append(grid, append([]string{f(g.Alpha), f(g.Beta), g.Reused}, res(g.Outcome.Name, g.Outcome)...))
	}
	var files []string
	for _, t := range []struct {
		name string
		rows [][]string
	}{{"curves.csv", curves}, {"results.csv", results}, {"grid.csv", grid}} {
		path := filepath.Join(cfg.OutDir, t.name)
		if err := writeCSV(path, t.rows); err != nil {
			return nil, err
		}
		files = append(files, path)
	}
	pics, err := writePictures(cfg, r)
	return append(files, pics...), err
}

func writeCSV(path string, rows [][]string) error {
	file, err := os.Create(path)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(file)
	if err := cw.WriteAll(rows); err != nil {
		file.Close()
		return err
	}
	return file.Close()
}
