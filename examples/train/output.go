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

// dashes and glyphs give each loss a line style and a marker of its own
// besides its colour, so that curves lying on each other (Dice and
// Tversky) stay apart: neighbours in Specs differ in both.
var (
	dashes = [][]vg.Length{
		nil,
		{vg.Points(6), vg.Points(3)},
		nil,
		{vg.Points(2), vg.Points(2)},
		{vg.Points(6), vg.Points(3)},
		{vg.Points(8), vg.Points(2), vg.Points(2), vg.Points(2)},
		{vg.Points(2), vg.Points(2)},
	}
	glyphs = []draw.GlyphDrawer{
		draw.BoxGlyph{}, draw.TriangleGlyph{}, diamondGlyph{}, draw.SquareGlyph{},
		draw.PyramidGlyph{}, draw.RingGlyph{}, crossGlyph{},
	}
)

// diamondGlyph is a filled diamond (gonum plot has none).
type diamondGlyph struct{}

// DrawGlyph implements draw.GlyphDrawer.
func (diamondGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	r := sty.Radius * 1.3
	c.FillPolygon(sty.Color, []vg.Point{{X: pt.X, Y: pt.Y + r}, {X: pt.X + r, Y: pt.Y}, {X: pt.X, Y: pt.Y - r}, {X: pt.X - r, Y: pt.Y}})
}

// crossGlyph is an X of strokes thick enough to see on a line (gonum's
// CrossGlyph draws hairlines).
type crossGlyph struct{}

// DrawGlyph implements draw.GlyphDrawer.
func (crossGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	ls := draw.LineStyle{Color: sty.Color, Width: vg.Points(1.5)}
	r := sty.Radius
	c.StrokeLine2(ls, pt.X-r, pt.Y-r, pt.X+r, pt.Y+r)
	c.StrokeLine2(ls, pt.X-r, pt.Y+r, pt.X+r, pt.Y-r)
}

// markEvery is the epoch spacing of a curve's markers; curve i marks the
// epochs i*markEvery/7 + k*markEvery, so that markers of different curves
// do not stack.
const markEvery = 10

// curveStyle is how loss i is drawn in every panel and in the legend.
type curveStyle struct {
	line  draw.LineStyle
	glyph draw.GlyphStyle
}

func styleOf(i int) curveStyle {
	c := palette[i%len(palette)]
	return curveStyle{
		line:  draw.LineStyle{Color: c, Width: vg.Points(1.5), Dashes: dashes[i%len(dashes)]},
		glyph: draw.GlyphStyle{Color: c, Radius: vg.Points(3.5), Shape: glyphs[i%len(glyphs)]},
	}
}

// bestStyle marks each curve's best epoch (the epoch whose model early
// stopping restores): a filled circle in the curve's colour, ringed in
// black.
func bestStyle(c color.Color) (fill, ring draw.GlyphStyle) {
	fill = draw.GlyphStyle{Color: c, Radius: vg.Points(5), Shape: draw.CircleGlyph{}}
	ring = draw.GlyphStyle{Color: color.Black, Radius: vg.Points(5), Shape: draw.RingGlyph{}}
	return fill, ring
}

// Font sizes: the picture is shown scaled to a page's width.
const (
	titleSize = 15
	labelSize = 14
	tickSize  = 12
	legendSz  = 14
)

// plotCurves draws three panels and a legend beside them: training and
// validation loss on top (log scales: the losses have different ranges)
// and, below and wider, the validation Dice of the foreground on an axis
// zoomed to the range of the curves after their first epochs, with fine
// ticks. Every loss has its colour, line style and marker, and a ringed
// dot at its best epoch.
func plotCurves(path string, out []Outcome, allFg float64) error {
	styles := make([]curveStyle, len(out))
	for i := range out {
		styles[i] = styleOf(i)
	}
	newPlot := func(title, y string) *plot.Plot {
		p := plot.New()
		p.Title.Text = title
		p.Title.TextStyle.Font.Size = titleSize
		p.X.Label.Text = "epoch"
		p.Y.Label.Text = y
		for _, a := range []*plot.Axis{&p.X, &p.Y} {
			a.Label.TextStyle.Font.Size = labelSize
			a.Tick.Label.Font.Size = tickSize
		}
		p.X.Tick.Marker = epochTicks{}
		p.Add(plotter.NewGrid())
		return p
	}
	// addCurves draws every loss's curve of v, with its markers, and the
	// best epochs when best.
	addCurves := func(p *plot.Plot, v func(Epoch) float64, best bool) error {
		for i, o := range out {
			pts := make(plotter.XYs, len(o.Curve))
			var marks plotter.XYs
			for j, e := range o.Curve {
				pts[j] = plotter.XY{X: float64(e.Epoch), Y: v(e)}
				if (e.Epoch-i*markEvery/7)%markEvery == 0 {
					marks = append(marks, pts[j])
				}
			}
			line, err := plotter.NewLine(pts)
			if err != nil {
				return fmt.Errorf("%s: %w", o.Name, err)
			}
			line.LineStyle = styles[i].line
			p.Add(line)
			if len(marks) > 0 {
				sc, err := plotter.NewScatter(marks)
				if err != nil {
					return fmt.Errorf("%s: %w", o.Name, err)
				}
				sc.GlyphStyle = styles[i].glyph
				p.Add(sc)
			}
			if j := o.BestEpoch; best && j >= 0 && j < len(o.Curve) {
				pt := plotter.XYs{{X: float64(o.Curve[j].Epoch), Y: v(o.Curve[j])}}
				fill, ring := bestStyle(styles[i].line.Color)
				for _, g := range []draw.GlyphStyle{fill, ring} {
					sc, err := plotter.NewScatter(pt)
					if err != nil {
						return fmt.Errorf("%s: %w", o.Name, err)
					}
					sc.GlyphStyle = g
					p.Add(sc)
				}
			}
		}
		return nil
	}

	var loss [2]*plot.Plot
	for k, pn := range []struct {
		title string
		v     func(Epoch) float64
	}{
		{"training loss (mean over the epoch's batches)", func(e Epoch) float64 { return e.TrainLoss }},
		{"validation loss", func(e Epoch) float64 { return e.ValLoss }},
	} {
		p := newPlot(pn.title, "loss")
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = logTicks{}
		if err := addCurves(p, pn.v, false); err != nil {
			return err
		}
		loss[k] = p
	}

	dice := newPlot("validation Dice of the foreground (hard, argmax), best epochs ringed", "Dice")
	valDice := func(e Epoch) float64 { return e.ValDice }
	if err := addCurves(dice, valDice, true); err != nil {
		return err
	}
	lo, hi := zoomRange(out, valDice)
	baseline := "all foreground: Dice %.3f"
	if allFg >= lo && allFg <= hi {
		base, err := plotter.NewLine(plotter.XYs{{X: dice.X.Min, Y: allFg}, {X: dice.X.Max, Y: allFg}})
		if err != nil {
			return err
		}
		base.Color = color.Gray{0x60}
		base.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		dice.Add(base)
	} else {
	}
	dice.Y.Min, dice.Y.Max = lo, hi
	dice.Y.Tick.Marker = fineTicks{}
	if below(out, valDice, lo) {
		dice.Y.Label.Text = fmt.Sprintf("Dice (axis from %.2f: the first epochs lie below)", lo)
	}

	// The legend, outside every panel.
	leg := plot.NewLegend()
	leg.TextStyle.Font.Size = legendSz
	leg.Top, leg.Left = true, true
	leg.ThumbnailWidth = vg.Points(36)
	leg.Padding = vg.Points(4)
	for i, o := range out {
		line, _ := plotter.NewLine(plotter.XYs{{}})
		line.LineStyle = styles[i].line
		mark, _ := plotter.NewScatter(plotter.XYs{{}})
		mark.GlyphStyle = styles[i].glyph
		leg.Add(o.Name, line, mark)
	}
	fill, ring := bestStyle(color.Gray{0xb0})
	bf, _ := plotter.NewScatter(plotter.XYs{{}})
	bf.GlyphStyle = fill
	br, _ := plotter.NewScatter(plotter.XYs{{}})
	br.GlyphStyle = ring
	leg.Add("best epoch (restored model)", bf, br)
	if allFg >= lo && allFg <= hi {
		base, _ := plotter.NewLine(plotter.XYs{{}})
		base.Color = color.Gray{0x60}
		base.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		leg.Add(fmt.Sprintf(baseline, allFg), base)
	} else {
		leg.Add(fmt.Sprintf(baseline, allFg))
		leg.Add("(below the Dice axis)")
	}

	// Layout: the two loss panels side by side on top; below, the Dice
	// panel and, to its right, the legend.
	const w, h = 14 * vg.Inch, 9 * vg.Inch
	const legendW, topH = 3.6 * vg.Inch, 3.7 * vg.Inch
	img := vgimg.New(w, h)
	dc := draw.New(img)
	pad := vg.Millimeter * 2
	top := draw.Crop(dc, 0, 0, h-topH, 0)
	bottom := draw.Crop(dc, 0, 0, 0, -topH)
	tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Millimeter * 8, PadLeft: pad, PadRight: pad, PadTop: pad, PadBottom: pad}
	canvases := plot.Align([][]*plot.Plot{loss[:]}, tiles, top)
	for i, p := range loss {
		p.Draw(canvases[0][i])
	}
	dice.Draw(draw.Crop(bottom, pad, -legendW, pad, -pad))
	leg.Draw(draw.Crop(bottom, w-legendW+vg.Millimeter*5, -pad, pad, -vg.Millimeter*12))

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

// zoomRange returns the Dice axis: the range of the curves' values from
// their tenth epoch on (their second half, for short runs), widened to
// multiples of 0.05, at least 0.1 wide, within [0, 1].
func zoomRange(out []Outcome, v func(Epoch) float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, o := range out {
		for _, e := range o.Curve[min(10, len(o.Curve)/2):] {
			if y := v(e); !math.IsNaN(y) {
				lo, hi = min(lo, y), max(hi, y)
			}
		}
	}
	if lo > hi {
		return 0, 1
	}
	const step = 0.05
	lo = math.Max(0, math.Floor(lo/step-1e-9)*step)
	hi = math.Min(1, math.Ceil(hi/step+1e-9)*step)
	for hi-lo < 0.1-1e-9 {
		lo, hi = math.Max(0, lo-step), math.Min(1, hi+step)
	}
	return lo, hi
}

// below reports whether a value of a curve lies below lo.
func below(out []Outcome, v func(Epoch) float64, lo float64) bool {
	for _, o := range out {
		for _, e := range o.Curve {
			if v(e) < lo {
				return true
			}
		}
	}
	return false
}

// fineTicks labels every 0.05 (0.1 over a range wider than 0.5) and marks
// every 0.01 (0.02) between them.
type fineTicks struct{}

// Ticks implements plot.Ticker.
func (fineTicks) Ticks(lo, hi float64) []plot.Tick {
	major, minor := 0.05, 0.01
	if hi-lo > 0.5 {
		major, minor = 0.1, 0.02
	}
	var t []plot.Tick
	for k := math.Ceil(lo/minor - 1e-9); k*minor <= hi+1e-9; k++ {
		v := k * minor
		if math.Abs(v) < 1e-9 {
			v = 0 // not -0.00
		}
		tick := plot.Tick{Value: v}
		if r := v / major; math.Abs(r-math.Round(r)) < 1e-6 {
			tick.Label = strconv.FormatFloat(v, 'f', 2, 64)
		}
		t = append(t, tick)
	}
	return t
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
