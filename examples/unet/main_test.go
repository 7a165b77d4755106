package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/segloss/segloss/distance"
)

// TestData checks the synthetic images: repeatable, cells 30-50% of the
// pixels, gaps a few percent, instance labels that agree with the mask,
// touching cells that the mask alone does not tell apart by its connected
// components, and a weight map high in the gaps.
func TestData(t *testing.T) {
	for _, side := range []int{128, 64} {
		set, err := makeSet(1, 0, 6, side)
		if err != nil {
			t.Fatal(err)
		}
		fg, gap, cells := set.Stats()
		t.Logf("%dx%d: cells %.1f%% of pixels, gaps %.1f%%, %.1f cells per image", side, side, 100*fg, 100*gap, cells)
		if fg < 0.30 || fg > 0.50 {
			t.Errorf("%d: foreground %.3f, want 0.30-0.50", side, fg)
		}
		if gap < 0.01 || gap > 0.08 {
			t.Errorf("%d: gaps %.3f of the pixels, want a few percent", side, gap)
		}
		again, err := genImage(1, 3, side)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(again.Image) != fmt.Sprint(set[3].Image) || fmt.Sprint(again.Instances) != fmt.Sprint(set[3].Instances) {
			t.Errorf("%d: image 3 drawn twice differs", side)
		}
		other, err := genImage(2, 3, side)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(other.Label) == fmt.Sprint(set[3].Label) {
			t.Errorf("%d: another seed gives the same labels", side)
		}
		var comps, inst int
		var gapW, cellW, gapN, cellN float64
		for _, x := range set {
			ids := map[int32]bool{}
			for i, l := range x.Label {
				if (l != 0) != (x.Instances[i] != 0) {
					t.Fatalf("%d: pixel %d: label %d, instance %d", side, i, l, x.Instances[i])
				}
				if x.Instances[i] != 0 {
					ids[x.Instances[i]] = true
					cellW += float64(x.Weights[i])
					cellN++
				}
				if x.Gap[i] {
					if l != 0 {
						t.Fatalf("%d: gap pixel %d is a cell", side, i)
					}
					gapW += float64(x.Weights[i])
					gapN++
				}
			}
			if len(ids) != x.Cells {
				t.Errorf("%d: %d instance ids, Cells = %d", side, len(ids), x.Cells)
			}
			comp := make([]int32, len(x.Label))
			n, err := distance.Components(comp, x.Label, []int{side, side}, 1)
			if err != nil {
				t.Fatal(err)
			}
			comps += n
			inst += x.Cells
			mean, sd := 0.0, 0.0
			for _, v := range x.Image {
				mean += float64(v)
			}
			mean /= float64(len(x.Image))
			for _, v := range x.Image {
				sd += (float64(v) - mean) * (float64(v) - mean)
			}
			sd /= float64(len(x.Image))
			if mean > 1e-4 || mean < -1e-4 || sd < 0.999 || sd > 1.001 {
				t.Errorf("%d: image mean %g, variance %g, want 0 and 1", side, mean, sd)
			}
		}
		// The gaps separate most cells in the mask itself (so that a perfect
		// segmentation separates them), yet not all: some touch at a corner.
		if comps < inst*7/10 || comps > inst {
			t.Errorf("%d: %d components of the masks for %d cells", side, comps, inst)
		}
		if gapW/gapN < 3*cellW/cellN {
			t.Errorf("%d: mean weight %.2f in the gaps, %.2f on cells: want the border term", side, gapW/gapN, cellW/cellN)
		}
	}
}

// TestMatchInstances checks the instance matching on hand-made masks: two
// cells predicted as one component are not separated, a cell predicted
// alone is, a cell too eroded (IoU <= 0.5) is not.
func TestMatchInstances(t *testing.T) {
	// One row of 12 pixels: cells 1 (pixels 0-2), 2 (4-6), 3 (8-11).
	inst := []int32{1, 1, 1, 0, 2, 2, 2, 0, 3, 3, 3, 3}
	// Cells 1 and 2 merged across the gap, cell 3 predicted on 2 of 4
	// pixels (IoU 0.5: not matched).
	comp := []int32{1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 2, 2}
	m, n, small, smallM := matchInstances(inst, 3, comp, 2)
	if m != 0 || n != 3 || small != 3 || smallM != 0 {
		t.Errorf("merged: got %d/%d, small %d/%d; want 0/3, 0/3", m, n, smallM, small)
	}
	// Cells 1 and 2 apart, cell 3 on 3 of 4 pixels.
	comp = []int32{1, 1, 1, 0, 2, 2, 0, 0, 0, 3, 3, 3}
	if m, _, _, _ = matchInstances(inst, 3, comp, 3); m != 3 {
		t.Errorf("separated: %d matched, want 3", m)
	}
}

// smokeTest is the -smoke configuration with no output directory.
func smokeTest() Config {
	c := smokeConfig()
	c.OutDir = ""
	return c
}

// TestRunSmoke runs the smoke configuration with every loss and the grid
// and checks the outcomes: every loss trained, finite scores, the training
// loss went down for the losses without a schedule, the grid reused the
// runs it could, and the timing was measured.
func TestRunSmoke(t *testing.T) {
	cfg := smokeTest()
	cfg.Epochs, cfg.Patience = 3, 3
	res, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Outcomes) != len(Specs) {
		t.Fatalf("%d outcomes for %d losses", len(res.Outcomes), len(Specs))
	}
	for i, o := range res.Outcomes {
		if o.Name != Specs[i].Name || len(o.Curve) != cfg.Epochs || len(o.Pred) != min(Keep, cfg.Test) {
			t.Errorf("%s: %d epochs, %d predictions", o.Name, len(o.Curve), len(o.Pred))
		}
		s := o.Test
		for _, v := range []float64{s.Dice, s.IoU, s.HD95, s.Precision, s.Recall} {
			if v != v || v < 0 {
				t.Errorf("%s: test scores %+v", o.Name, s)
				break
			}
		}
		if first, last := o.Curve[0].TrainLoss, o.Curve[len(o.Curve)-1].TrainLoss; Specs[i].Weight == nil && !(last < first) {
			t.Errorf("%s: training loss %.4f -> %.4f", o.Name, first, last)
		}
		if o.Timing.Steps != cfg.Epochs*(cfg.Train/cfg.Batch) || o.Timing.Step <= 0 {
			t.Errorf("%s: timing %+v", o.Name, o.Timing)
		}
		if o.Timing.Segloss <= 0 {
			t.Errorf("%s: segloss time %v", o.Name, o.Timing.Segloss)
		}
	}
	for _, g := range res.Grid {
		if want := reusable[[2]float64{g.Alpha, g.Beta}]; g.Reused != want {
			t.Errorf("grid %g/%g: reused %q, want %q", g.Alpha, g.Beta, g.Reused, want)
		}
	}
}

// TestDeterministic trains twice with one seed and gets the same curves
// and scores, and something else with another seed.
func TestDeterministic(t *testing.T) {
	cfg := smokeTest()
	cfg.Specs, cfg.Grid = Specs[3:5], nil
	a, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := range a.Outcomes {
		if fmt.Sprint(a.Outcomes[i].Curve, a.Outcomes[i].Test) != fmt.Sprint(b.Outcomes[i].Curve, b.Outcomes[i].Test) {
			t.Errorf("%s: two runs differ", a.Outcomes[i].Name)
		}
	}
	cfg.Seed++
	c, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(a.Outcomes[0].Curve) == fmt.Sprint(c.Outcomes[0].Curve) {
		t.Error("another seed gives the same run")
	}
}

// TestOutputs checks the printed report and the files run writes.
func TestOutputs(t *testing.T) {
	cfg := smokeTest()
	cfg.Specs = []Spec{Specs[0], Specs[2], Specs[7]}
	cfg.Grid = [][2]float64{{1, 0}, {0.25, 0.75}}
	cfg.Epochs = 1
	cfg.OutDir = filepath.Join(t.TempDir(), "out")
	var buf bytes.Buffer
	if err := run(cfg, &buf); err != nil {
		t.Fatal(err)
	}
	text := buf.String()
	for _, want := range []string{"HD95", "separated", "border-weighted CE", "Dice + boundary (ramp)", "grid search", "= CE", "trained",
		"ms per step", "segloss", "gorgonia", "trainings at a time", "class weights", "curves.png", "panel.png"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	for name, rows := range map[string]int{"curves.csv": 1 + 3*cfg.Epochs, "results.csv": 1 + 3, "grid.csv": 1 + 2} {
		f, err := os.Open(filepath.Join(cfg.OutDir, name))
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil || len(recs) != rows {
			t.Errorf("%s: %d rows (%v), want %d", name, len(recs), err, rows)
		}
	}
	for _, name := range []string{"curves.png", "panel.png"} {
		f, err := os.Open(filepath.Join(cfg.OutDir, name))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if b := img.Bounds(); b.Dx() < 1000 || b.Dy() < 500 {
			t.Errorf("%s is %v", name, b)
		}
	}
	bad := cfg
	bad.Test = 0
	if err := run(bad, &buf); err == nil {
		t.Error("run with no test images: no error")
	}
}
