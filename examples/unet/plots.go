package main

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/segloss/segloss/distance"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// writePictures draws curves.png (loss curves and validation Dice) and
// panel.png (test images, truth, weight map, each loss's prediction).
func writePictures(cfg Config, r *Results) ([]string, error) {
	curves := filepath.Join(cfg.OutDir, "curves.png")
	if err := plotCurves(curves, r.Outcomes); err != nil {
		return nil, err
	}
	panel := filepath.Join(cfg.OutDir, "panel.png")
	if err := plotPanel(panel, r); err != nil {
		return nil, err
	}
	return []string{curves, panel}, nil
}

// palette gives each loss a colour of its own in every panel.
var palette = []color.Color{
	color.RGBA{0x1f, 0x77, 0xb4, 0xff},
	color.RGBA{0xff, 0x7f, 0x0e, 0xff},
	color.RGBA{0x2c, 0xa0, 0x2c, 0xff},
	color.RGBA{0xd6, 0x27, 0x28, 0xff},
	color.RGBA{0x94, 0x67, 0xbd, 0xff},
	color.RGBA{0x8c, 0x56, 0x4b, 0xff},
	color.RGBA{0xe3, 0x77, 0xc2, 0xff},
	color.RGBA{0x17, 0xbe, 0xcf, 0xff},
	color.RGBA{0xbc, 0xbd, 0x22, 0xff},
	color.RGBA{0x7f, 0x7f, 0x7f, 0xff},
}

// dashes and glyphs tell curves apart besides their colour.
var (
	dashes = [][]vg.Length{
		nil,
		{vg.Points(6), vg.Points(3)},
		{vg.Points(2), vg.Points(2)},
		{vg.Points(8), vg.Points(2), vg.Points(2), vg.Points(2)},
	}
	glyphs = []draw.GlyphDrawer{
		draw.BoxGlyph{}, draw.TriangleGlyph{}, draw.CircleGlyph{}, draw.SquareGlyph{}, draw.PyramidGlyph{},
		draw.RingGlyph{}, draw.CrossGlyph{}, draw.PlusGlyph{}, draw.BoxGlyph{}, draw.TriangleGlyph{},
	}
)

func lineStyle(i int) draw.LineStyle {
	return draw.LineStyle{Color: palette[i%len(palette)], Width: vg.Points(1.6), Dashes: dashes[i%len(dashes)]}
}

func glyphStyle(i int) draw.GlyphStyle {
	return draw.GlyphStyle{Color: palette[i%len(palette)], Radius: vg.Points(3), Shape: glyphs[i%len(glyphs)]}
}

// bestMark is a black ring around a dot in the curve's colour.
func bestMark(c color.Color) []draw.GlyphStyle {
	return []draw.GlyphStyle{
		{Color: c, Radius: vg.Points(4.5), Shape: draw.CircleGlyph{}},
		{Color: color.Black, Radius: vg.Points(4.5), Shape: draw.RingGlyph{}},
	}
}

func newPlot(title, x, y string, size vg.Length) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = size + 1
	p.X.Label.Text = x
	p.Y.Label.Text = y
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font.Size = size
		a.Tick.Label.Font.Size = size - 2
	}
	p.X.Tick.Marker = epochTicks{}
	p.Add(plotter.NewGrid())
	return p
}

func addLine(p *plot.Plot, pts plotter.XYs, ls draw.LineStyle) error {
	l, err := plotter.NewLine(pts)
	if err != nil {
		return err
	}
	l.LineStyle = ls
	p.Add(l)
	return nil
}

func addPoints(p *plot.Plot, pts plotter.XYs, gs ...draw.GlyphStyle) error {
	for _, g := range gs {
		s, err := plotter.NewScatter(pts)
		if err != nil {
			return err
		}
		s.GlyphStyle = g
		p.Add(s)
	}
	return nil
}

// plotCurves draws, on top, one small panel per loss with its training and
// validation loss (the losses have different scales, some negative: the
// boundary term); below, the validation Dice of every loss in one panel,
// its legend to the right, outside the data. Every best epoch (the one
// early stopping restores) is a ringed dot.
func plotCurves(path string, out []*Outcome) error {
	cols := 3
	rows := (len(out) + cols - 1) / cols
	var small [][]*plot.Plot
	for i, o := range out {
		if i%cols == 0 {
			small = append(small, nil)
		}
		p := newPlot(o.Name, "", "", 11)
		var tr, va plotter.XYs
		for _, e := range o.Curve {
			tr = append(tr, plotter.XY{X: float64(e.Epoch), Y: e.TrainLoss})
			va = append(va, plotter.XY{X: float64(e.Epoch), Y: e.ValLoss})
		}
		ls := lineStyle(0)
		ls.Color = palette[i%len(palette)]
		ls.Dashes = nil
		if err := addLine(p, tr, ls); err != nil {
			return err
		}
		ls.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		if err := addLine(p, va, ls); err != nil {
			return err
		}
		if b := o.BestEpoch; b >= 0 && b < len(va) {
			if err := addPoints(p, va[b:b+1], bestMark(palette[i%len(palette)])...); err != nil {
				return err
			}
		}
		small[len(small)-1] = append(small[len(small)-1], p)
	}
	for len(small[len(small)-1]) < cols {
		small[len(small)-1] = append(small[len(small)-1], nil)
	}

	dice := newPlot("validation Dice of the cell class (hard, argmax); ringed: best epoch", "epoch", "Dice", 14)
	lo, hi := 1.0, 0.0
	for i, o := range out {
		var pts plotter.XYs
		for _, e := range o.Curve {
			pts = append(pts, plotter.XY{X: float64(e.Epoch), Y: e.ValDice})
		}
		for _, e := range o.Curve[len(o.Curve)/2:] {
			lo, hi = math.Min(lo, e.ValDice), math.Max(hi, e.ValDice)
		}
		if err := addLine(dice, pts, lineStyle(i)); err != nil {
			return err
		}
		// Markers every fourth epoch, shifted per loss so that they do not
		// stack.
		var marks plotter.XYs
		for j, pt := range pts {
			if (j+i)%4 == 0 {
				marks = append(marks, pt)
			}
		}
		if err := addPoints(dice, marks, glyphStyle(i)); err != nil {
			return err
		}
		if b := o.BestEpoch; b >= 0 && b < len(pts) {
			if err := addPoints(dice, pts[b:b+1], bestMark(palette[i%len(palette)])...); err != nil {
				return err
			}
		}
	}
	lo = math.Max(0, math.Floor(lo*50-1e-9)/50)
	hi = math.Min(1, math.Ceil(hi*50+1e-9)/50)
	if hi-lo < 0.04 {
		lo = math.Max(0, hi-0.04)
	}
	dice.Y.Min, dice.Y.Max = lo, hi
	dice.Y.Tick.Marker = fineTicks{}
	if lo > 0 {
		dice.Y.Label.Text = fmt.Sprintf("Dice (from %.2f; early epochs below)", lo)
	}

	leg := plot.NewLegend()
	leg.TextStyle.Font.Size = 13
	leg.Top, leg.Left = true, true
	leg.ThumbnailWidth = vg.Points(36)
	for i, o := range out {
		l, _ := plotter.NewLine(plotter.XYs{{}})
		l.LineStyle = lineStyle(i)
		s, _ := plotter.NewScatter(plotter.XYs{{}})
		s.GlyphStyle = glyphStyle(i)
		leg.Add(o.Name, l, s)
	}
	var marks []plot.Thumbnailer
	for _, g := range bestMark(color.Gray{0xa0}) {
		s, _ := plotter.NewScatter(plotter.XYs{{}})
		s.GlyphStyle = g
		marks = append(marks, s)
	}
	leg.Add("best epoch (restored model)", marks...)

	key := plot.NewLegend()
	key.TextStyle.Font.Size = 12
	key.Top, key.Left = true, true
	key.ThumbnailWidth = vg.Points(36)
	trk, _ := plotter.NewLine(plotter.XYs{{}})
	trk.LineStyle = draw.LineStyle{Color: color.Gray{0x40}, Width: vg.Points(1.6)}
	vak, _ := plotter.NewLine(plotter.XYs{{}})
	vak.LineStyle = draw.LineStyle{Color: color.Gray{0x40}, Width: vg.Points(1.6), Dashes: []vg.Length{vg.Points(5), vg.Points(3)}}
	key.Add("training loss (mean over the epoch's steps)", trk)
	key.Add("validation loss", vak)
	key.Add("best epoch (by validation Dice)", marks...)

	const w = 14 * vg.Inch
	smallH := vg.Length(rows) * 2.3 * vg.Inch
	const keyH, diceH, legendW = 0.6 * vg.Inch, 5 * vg.Inch, 3.4 * vg.Inch
	h := keyH + smallH + diceH
	img := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(96))
	dc := draw.New(img)
	pad := 2 * vg.Millimeter
	key.Draw(draw.Crop(dc, pad, 0, h-keyH, 0))
	top := draw.Crop(dc, 0, 0, diceH, -keyH)
	tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: 6 * vg.Millimeter, PadY: 4 * vg.Millimeter, PadLeft: pad, PadRight: pad, PadTop: pad, PadBottom: pad}
	canv := plot.Align(small, tiles, top)
	for i := range small {
		for j, p := range small[i] {
			if p != nil {
				p.Draw(canv[i][j])
			}
		}
	}
	bottom := draw.Crop(dc, 0, 0, 0, -(keyH + smallH))
	dice.Draw(draw.Crop(bottom, pad, -legendW, pad, -pad))
	leg.Draw(draw.Crop(bottom, w-legendW+4*vg.Millimeter, -pad, pad, -10*vg.Millimeter))
	return savePNG(path, img)
}

func savePNG(path string, img *vgimg.Canvas) error {
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

// epochTicks labels whole epochs at a step of 1, 2 or 5 times a power of
// ten, at most about 8 labels.
type epochTicks struct{}

// Ticks implements plot.Ticker.
func (epochTicks) Ticks(lo, hi float64) []plot.Tick {
	step := 1.0
	for k := 0; (hi-lo)/step > 8; k++ {
		step *= []float64{2, 2.5, 2}[k%3]
	}
	var t []plot.Tick
	for v := math.Ceil(lo/step) * step; v <= hi; v += step {
		t = append(t, plot.Tick{Value: v, Label: strconv.Itoa(int(v))})
	}
	return t
}

// fineTicks labels every 0.01 (0.02, 0.05 or 0.1 over wider ranges) and
// marks the steps between.
type fineTicks struct{}

// Ticks implements plot.Ticker.
func (fineTicks) Ticks(lo, hi float64) []plot.Tick {
	major := 0.01
	for _, m := range []float64{0.02, 0.05, 0.1} {
		if (hi-lo)/major <= 8 {
			break
		}
		major = m
	}
	minor := major / 5
	if major == 0.02 || major == 0.05 {
		minor = major / 2
	}
	var t []plot.Tick
	for k := math.Ceil(lo/minor - 1e-9); k*minor <= hi+1e-9; k++ {
		v := k * minor
		tick := plot.Tick{Value: v}
		if r := v / major; math.Abs(r-math.Round(r)) < 1e-6 {
			tick.Label = strconv.FormatFloat(v, 'f', 2, 64)
		}
		t = append(t, tick)
	}
	return t
}

// hue is a colour per id: a golden-angle walk around the hue circle, so
// neighbouring ids differ.
func hue(id int32) color.RGBA {
	h := math.Mod(float64(id)*0.618033988749895, 1) * 6
	k := int(h)
	f := h - float64(k)
	v := [6][3]float64{{1, f, 0}, {1 - f, 1, 0}, {0, 1, f}, {0, 1 - f, 1}, {f, 0, 1}, {1, 0, 1 - f}}[k%6]
	return color.RGBA{uint8(70 + 150*v[0]), uint8(70 + 150*v[1]), uint8(70 + 150*v[2]), 255}
}

// ramp maps t in [0, 1] to dark blue, teal, yellow.
func ramp(t float64) color.RGBA {
	stops := [][3]float64{{0.27, 0.00, 0.33}, {0.23, 0.32, 0.55}, {0.13, 0.57, 0.55}, {0.37, 0.79, 0.38}, {0.99, 0.91, 0.15}}
	t = math.Max(0, math.Min(1, t)) * float64(len(stops)-1)
	i := min(int(t), len(stops)-2)
	f := t - float64(i)
	var c [3]uint8
	for k := range c {
		c[k] = uint8(255 * (stops[i][k]*(1-f) + stops[i+1][k]*f))
	}
	return color.RGBA{c[0], c[1], c[2], 255}
}

// window is the crop of a test image the panel shows: the square of half
// the side (at least 32 pixels) with the most gap pixels.
func window(x *Sample) (y0, x0, size int) {
	size = max(min(x.Side, 32), x.Side/2)
	best := -1
	step := max(1, size/8)
	for y := 0; y+size <= x.Side; y += step {
		for xx := 0; xx+size <= x.Side; xx += step {
			n := 0
			for i := y; i < y+size; i++ {
				for j := xx; j < xx+size; j++ {
					if x.Gap[i*x.Side+j] {
						n++
					}
				}
			}
			if n > best {
				best, y0, x0 = n, y, xx
			}
		}
	}
	return y0, x0, size
}

// tile is one picture of the panel.
type tile struct {
	title string
	img   image.Image
}

// crop renders the window of a side x side map through colour, each
// pixel a block of z x z (so that the picture is not smoothed).
func crop(side, y0, x0, size int, colour func(i int) color.RGBA) image.Image {
	z := max(1, 256/size)
	img := image.NewRGBA(image.Rect(0, 0, z*size, z*size))
	for y := 0; y < z*size; y++ {
		for x := 0; x < z*size; x++ {
			img.SetRGBA(x, y, colour((y0+y/z)*side+x0+x/z))
		}
	}
	return img
}

// gapRed marks gap pixels predicted as cell.
var gapRed = color.RGBA{0xff, 0x20, 0x20, 0xff}

// plotPanel draws, for each kept test image, the image, its truth, its
// weight map and every loss's prediction, on the crop with the most gaps.
func plotPanel(path string, r *Results) error {
	var rowsOfTiles [][]tile
	for k := 0; k < Keep && k < len(r.Data.Test); k++ {
		x := r.Data.Test[k]
		y0, x0, size := window(x)
		lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
		for _, v := range x.Raw {
			lo, hi = min(lo, v), max(hi, v)
		}
		var wmax float32
		for _, v := range x.Weights {
			wmax = max(wmax, v)
		}
		ts := []tile{
			{fmt.Sprintf("test image %d (crop)", k), crop(x.Side, y0, x0, size, func(i int) color.RGBA {
				g := uint8(255 * (x.Raw[i] - lo) / (hi - lo))
				return color.RGBA{g, g, g, 255}
			})},
			{fmt.Sprintf("truth: %d cells", x.Cells), crop(x.Side, y0, x0, size, func(i int) color.RGBA {
				if x.Instances[i] == 0 {
					if x.Gap[i] {
						return color.RGBA{0x60, 0x60, 0x60, 0xff}
					}
					return color.RGBA{0x10, 0x10, 0x10, 0xff}
				}
				return hue(x.Instances[i])
			})},
			{fmt.Sprintf("weight map (max %.1f)", wmax), crop(x.Side, y0, x0, size, func(i int) color.RGBA {
				return ramp(float64(x.Weights[i] / wmax))
			})},
		}
		for _, o := range r.Outcomes {
			if k >= len(o.Pred) {
				continue
			}
			pred := o.Pred[k]
			comp := make([]int32, len(pred))
			nc, err := distance.Components(comp, pred, []int{x.Side, x.Side}, 1)
			if err != nil {
				return err
			}
			sep, cells, _, _ := matchInstances(x.Instances, x.Cells, comp, nc)
			ts = append(ts, tile{fmt.Sprintf("%s: %d/%d", o.Name, sep, cells), crop(x.Side, y0, x0, size, func(i int) color.RGBA {
				if comp[i] == 0 {
					return color.RGBA{0x10, 0x10, 0x10, 0xff}
				}
				if x.Gap[i] {
					return gapRed
				}
				return hue(comp[i])
			})})
		}
		rowsOfTiles = append(rowsOfTiles, ts)
	}
	const cols = 6
	var plots [][]*plot.Plot
	for _, ts := range rowsOfTiles {
		for i, t := range ts {
			if i%cols == 0 {
				plots = append(plots, make([]*plot.Plot, cols))
			}
			p := plot.New()
			p.Title.Text = t.title
			p.Title.TextStyle.Font.Size = 10
			b := t.img.Bounds()
			p.Add(plotter.NewImage(t.img, 0, 0, float64(b.Dx()), float64(b.Dy())))
			p.HideAxes()
			p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, float64(b.Dx()), 0, float64(b.Dy())
			plots[len(plots)-1][i%cols] = p
		}
	}
	rows := len(plots)
	const tileW = 2.3 * vg.Inch
	const noteH = 0.45 * vg.Inch
	w, h := cols*tileW, vg.Length(rows)*(tileW+0.25*vg.Inch)+noteH
	img := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(96))
	dc := draw.New(img)
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	note := plot.NewLegend()
	note.TextStyle.Font.Size = 11
	note.Top, note.Left = true, true
	note.Add("Predictions: one colour per connected component (4-connectivity), red: gap pixels predicted as cell, title: cells separated (IoU > 0.5) / cells in the whole image.")
	note.Add("Truth: one colour per cell, grey: gap pixels. Crops of the test images where the gaps are densest.")
	note.Draw(draw.Crop(dc, 2*vg.Millimeter, 0, h-noteH, 0))
	tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: 2 * vg.Millimeter, PadY: 2 * vg.Millimeter,
		PadLeft: vg.Millimeter, PadRight: vg.Millimeter, PadTop: vg.Millimeter, PadBottom: vg.Millimeter}
	body := draw.Crop(dc, 0, 0, 0, -noteH)
	for i := range plots {
		for j, p := range plots[i] {
			if p != nil {
				p.Draw(tiles.At(body, j, i))
			}
		}
	}
	return savePNG(path, img)
}
