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

	"github.com/segloss/segloss/loss"
)

// smallConfig is a run small enough for a unit test.
func smallConfig() Config {
	cfg := defaultConfig()
	cfg.Train, cfg.Val, cfg.Test = 24, 12, 12
	cfg.Epochs, cfg.Patience = 25, 25
	cfg.OutDir = ""
	return cfg
}

// TestTrainBeatsChance trains with every loss for a few epochs and checks
// that each model beats the trivial baselines on validation and test Dice,
// that every training curve went down, and that at every epoch the trained
// model's validation loss is below the untrained model's under the same
// loss (the scheduled mix's value rises as its weight moves from CE to Dice,
// so its raw curve is compared with the untrained model epoch by epoch).
func TestTrainBeatsChance(t *testing.T) {
	cfg := smallConfig()
	out, allFg, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != len(Specs) {
		t.Fatalf("%d outcomes, want %d", len(out), len(Specs))
	}
	// Predicting foreground everywhere scores 2q/(1+q) for a foreground
	// fraction q <= 5%; guessing at random with probability q scores q.
	if allFg > 2*0.05/1.05 || allFg < 2*0.03/1.03 {
		t.Fatalf("all-foreground Dice %v, not a 3-5%% foreground data set", allFg)
	}
	train, val, _ := makeData(cfg)
	w, err := classWeights(train)
	if err != nil {
		t.Fatal(err)
	}
	var ws loss.Workspace
	zero := make([]float32, val.n*Classes*pixels)
	sh := loss.NewShape(val.n, Classes, Side, Side)
	for i, o := range out {
		t.Logf("%-22s best epoch %2d: val Dice %.4f, test Dice %.4f", o.Name, o.BestEpoch, o.Val.Dice, o.Test.Dice)
		if o.Val.Dice < 5*allFg || o.Test.Dice < 5*allFg {
			t.Errorf("%s: val Dice %.4f, test Dice %.4f, want at least 5 times the all-foreground Dice %.4f", o.Name, o.Val.Dice, o.Test.Dice, allFg)
		}
		if len(o.Curve) != cfg.Epochs {
			t.Errorf("%s: %d epochs, want %d (patience = epochs)", o.Name, len(o.Curve), cfg.Epochs)
		}
		first, last := o.Curve[0], o.Curve[len(o.Curve)-1]
		if !(last.TrainLoss < first.TrainLoss) {
			t.Errorf("%s: training loss went from %.6f to %.6f", o.Name, first.TrainLoss, last.TrainLoss)
		}
		for _, e := range o.Curve {
			l := Specs[i].Make(e.Epoch, cfg.Epochs, w)
			untrained, err := l.Forward(&ws, zero, loss.U8(val.labels), sh)
			if err != nil {
				t.Fatal(err)
			}
			if !(e.ValLoss < untrained) {
				t.Errorf("%s epoch %d: validation loss %.6f, the untrained model's %.6f", o.Name, e.Epoch, e.ValLoss, untrained)
			}
		}
	}
}

// TestDeterministic runs a tiny configuration twice and gets the same
// numbers.
func TestDeterministic(t *testing.T) {
	cfg := smallConfig()
	cfg.Train, cfg.Val, cfg.Test, cfg.Epochs = 8, 4, 4, 3
	cfg.Specs = Specs[:2]
	a, fa, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, fb, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// %v prints NaN (the lambda of fixed losses) as NaN: compare text.
	if fa != fb || fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("two runs differ")
	}
	cfg.Seed++
	c, _, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(a) == fmt.Sprint(c) {
		t.Errorf("another seed gives the same run")
	}
}

// TestOutputs checks the printed table and the files run writes.
func TestOutputs(t *testing.T) {
	cfg := smallConfig()
	cfg.Train, cfg.Val, cfg.Test, cfg.Epochs = 8, 4, 4, 3
	cfg.Specs = []Spec{Specs[0], Specs[len(Specs)-1]}
	cfg.OutDir = filepath.Join(t.TempDir(), "out")
	var buf bytes.Buffer
	if err := run(cfg, &buf); err != nil {
		t.Fatal(err)
	}
	text := buf.String()
	for _, want := range []string{"val Dice", "test Dice", "CE ", "mix CE->Dice (linear)", "(all foreground)", "curves.png"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	for name, rows := range map[string]int{"curves.csv": 1 + 2*cfg.Epochs, "results.csv": 1 + 2} {
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
	f, err := os.Open(filepath.Join(cfg.OutDir, "curves.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() < 1000 || b.Dy() < 300 {
		t.Errorf("curves.png is %v", b)
	}
	bad := cfg
	bad.Test = 0
	if err := run(bad, &buf); err == nil {
		t.Errorf("run with no test images: no error")
	}
}
