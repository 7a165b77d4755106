package main

import (
	"encoding/csv"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// writeCSV writes curves.csv (one row per loss and epoch) and results.csv
// (one row per loss).
func writeCSV(dir string, out []Outcome) error {
	f := func(v float64) string {
		if math.IsNaN(v) {
			return ""
		}
		return strconv.FormatFloat(v, 'g', 8, 64)
	}
	curves := [][]string{{"loss", "epoch", "lambda", "train_loss", "val_loss", "val_dice", "val_iou"}}
	results := [][]string{{"loss", "epochs", "best_epoch", "val_dice", "val_iou", "val_precision", "val_recall",
		"test_dice", "test_iou", "test_precision", "test_recall"}}
	for _, o := range out {
		for _, e := range o.Curve {
			curves = append(curves, []string{o.Name, strconv.Itoa(e.Epoch), f(e.Lambda), f(e.TrainLoss), f(e.ValLoss), f(e.ValDice), f(e.ValIoU)})
		}
		results = append(results, []string{o.Name, strconv.Itoa(len(o.Curve)), strconv.Itoa(o.BestEpoch),
			f(o.Val.Dice), f(o.Val.IoU), f(o.Val.Precision), f(o.Val.Recall),
			f(o.Test.Dice), f(o.Test.IoU), f(o.Test.Precision), f(o.Test.Recall)})
	}
	for name, rows := range map[string][][]string{"curves.csv": curves, "results.csv": results} {
		file, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		cw := csv.NewWriter(file)
		if err := cw.WriteAll(rows); err != nil {
			file.Close()
			return err
		}
		if err := file.Close(); err != nil {
			return err
		}
	}
	return nil
}

// palette gives each loss a colour that stays the same in every panel.
var palette = []color.Color{
	color.RGBA{0x1f, 0x77, 0xb4, 0xff},
	color.RGBA{0xff, 0x7f, 0x0e, 0xff},
	color.RGBA{0x2c, 0xa0, 0x2c, 0xff},
	color.RGBA{0xd6, 0x27, 0x28, 0xff},
	color.RGBA{0x94, 0x67, 0xbd, 0xff},
	color.RGBA{0x8c, 0x56, 0x4b, 0xff},
	color.RGBA{0xe3, 0x77, 0xc2, 0xff},
	color.RGBA{0x7f, 0x7f, 0x7f, 0xff},
}

// plotCurves draws three panels side by side: training loss, validation
// loss (both on a log scale: the losses have different ranges) and
// validation Dice of the foreground, one line per loss.
func plotCurves(path string, out []Outcome, allFg float64) error {
	panels := []struct {
		title, y string
		log      bool
		v        func(Epoch) float64
	}{
		{"training loss (mean over the epoch's batches)", "loss", true, func(e Epoch) float64 { return e.TrainLoss }},
		{"validation loss", "loss", true, func(e Epoch) float64 { return e.ValLoss }},
		{"validation Dice, foreground (hard, argmax)", "Dice", false, func(e Epoch) float64 { return e.ValDice }},
	}
	plots := make([]*plot.Plot, len(panels))
	for k, pn := range panels {
		p := plot.New()
		p.Title.Text = pn.title
		p.X.Label.Text = "epoch"
		p.Y.Label.Text = pn.y
		p.X.Tick.Marker = epochTicks{}
		if pn.log {
			p.Y.Scale = plot.LogScale{}
			p.Y.Tick.Marker = logTicks{}
		}
		p.Add(plotter.NewGrid())
		for i, o := range out {
			pts := make(plotter.XYs, len(o.Curve))
			for j, e := range o.Curve {
				pts[j] = plotter.XY{X: float64(e.Epoch), Y: pn.v(e)}
			}
			line, err := plotter.NewLine(pts)
			if err != nil {
				return fmt.Errorf("%s: %w", o.Name, err)
			}
			line.Color = palette[i%len(palette)]
			line.Width = vg.Points(1.5)
			p.Add(line)
			if k == 2 {
				p.Legend.Add(o.Name, line)
			}
		}
		if k == 2 {
			base, err := plotter.NewLine(plotter.XYs{{X: 0, Y: allFg}, {X: p.X.Max, Y: allFg}})
			if err != nil {
				return err
			}
			base.Color = color.Gray{0x60}
			base.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
			p.Add(base)
			p.Legend.Add("all foreground", base)
			p.Legend.Top = false
			p.Legend.Left = false
			p.Y.Min, p.Y.Max = 0, 1
		}
		plots[k] = p
	}
	const w, h = 15 * vg.Inch, 4.5 * vg.Inch
	img := vgimg.New(w, h)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 1, Cols: len(plots), PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2, PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2}
	canvases := plot.Align([][]*plot.Plot{plots}, tiles, dc)
	for i, p := range plots {
		p.Draw(canvases[0][i])
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// logTicks marks 1..9 times every power of ten in range, labelling 1, 2, 3
// and 5 times it.
type logTicks struct{}

// Ticks implements plot.Ticker.
func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	var t []plot.Tick
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		for m := 1.0; m <= 9; m++ {
			v := m * math.Pow(10, e)
			if v < lo || v > hi {
				continue
			}
			tick := plot.Tick{Value: v}
			if m == 1 || m == 2 || m == 3 || m == 5 {
				tick.Label = strconv.FormatFloat(v, 'g', 3, 64)
			}
			t = append(t, tick)
		}
	}
	return t
}

// epochTicks labels whole epochs at a step of 1, 2 or 5 times a power of
// ten, giving at most about 10 labels.
type epochTicks struct{}

// Ticks implements plot.Ticker.
func (epochTicks) Ticks(lo, hi float64) []plot.Tick {
	step := 1.0
	for k := 0; (hi-lo)/step > 10; k++ {
		step *= []float64{2, 2.5, 2}[k%3]
	}
	var t []plot.Tick
	for v := math.Ceil(lo/step) * step; v <= hi; v += step {
		t = append(t, plot.Tick{Value: v, Label: strconv.Itoa(int(v))})
	}
	return t
}
