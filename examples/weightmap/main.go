// Command weightmap draws the picture of the README's distance section:
// touching cells separated by thin gaps, their U-Net border weight map
// (distance.WeightMapFromMask) and the signed distance map of the boundary
// loss (distance.SignedMap), side by side in one PNG.
//
//	go run ./examples/weightmap -out docs/weightmap.png
package main

import (
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"os"

	"github.com/segloss/segloss/distance"
)

const size = 192

// cells returns a mask of k cells: each pixel within a cell's radius of
// its centre belongs to the nearest centre, except where the second
// nearest centre is almost as near (a gap of one or two pixels), so cells
// touch across thin background gaps, as in the microscopy images U-Net was
// made for.
func cells(r *rand.Rand, k int) []uint8 {
	type cell struct{ y, x, rad float64 }
	cs := make([]cell, k)
	for i := range cs {
		cs[i] = cell{r.Float64() * size, r.Float64() * size, 14 + r.Float64()*12}
	}
	m := make([]uint8, size*size)
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			d1, d2, near := math.Inf(1), math.Inf(1), -1
			for i, c := range cs {
				d := math.Hypot(float64(y)-c.y, float64(x)-c.x)
				if d < d1 {
					d1, d2, near = d, d1, i
				} else if d < d2 {
					d2 = d
				}
			}
			if d1 <= cs[near].rad && d2-d1 > 1.5 {
				m[y*size+x] = 1
			}
		}
	}
	return m
}

// ramp maps t in [0, 1] to a dark-blue → teal → yellow colour.
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

func main() {
	out := flag.String("out", "weightmap.png", "the PNG to write")
	flag.Parse()
	r := rand.New(rand.NewPCG(15, 2015))
	mask := cells(r, 45)
	shape := []int{size, size}
	inst := make([]int32, len(mask))
	w := make([]float32, len(mask))
	if err := distance.WeightMapFromMask(w, mask, inst, shape, 1, nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	phi := make([]float32, len(mask))
	if err := distance.SignedMap(phi, mask, shape, nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// Three panels: instances, weights, signed map.
	const gap, zoom = 6, 2
	img := image.NewRGBA(image.Rect(0, 0, zoom*(3*size+2*gap), zoom*size))
	set := func(x, y int, c color.RGBA) {
		for dy := 0; dy < zoom; dy++ {
			for dx := 0; dx < zoom; dx++ {
				img.SetRGBA(zoom*x+dx, zoom*y+dy, c)
			}
		}
	}
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	hue := func(id int32) color.RGBA {
		// A golden-angle walk around the hue circle: neighbours differ.
		h := math.Mod(float64(id)*0.618033988749895, 1) * 6
		k := int(h)
		f := h - float64(k)
		v := [6][3]float64{{1, f, 0}, {1 - f, 1, 0}, {0, 1, f}, {0, 1 - f, 1}, {f, 0, 1}, {1, 0, 1 - f}}[k%6]
		return color.RGBA{uint8(60 + 180*v[0]), uint8(60 + 180*v[1]), uint8(60 + 180*v[2]), 255}
	}
	var wmax float64
	for _, v := range w {
		wmax = max(wmax, float64(v))
	}
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			i := y*size + x
			c := color.RGBA{20, 20, 20, 255}
			if inst[i] != 0 {
				c = hue(inst[i])
			}
			set(x, y, c)
			set(size+gap+x, y, ramp(float64(w[i])/wmax))
			// Signed map: blue inside, red outside, white on the boundary
			// (full colour 6 pixels away).
			t := float64(phi[i]) / 24
			v := uint8(255 * (1 - math.Min(1, 4*math.Abs(t))))
			pc := color.RGBA{255, v, v, 255}
			if t < 0 {
				pc = color.RGBA{v, v, 255, 255}
			}
			set(2*(size+gap)+x, y, pc)
		}
	}
	f, err := os.Create(*out)
	if err == nil {
		err = png.Encode(f, img)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var n int32
	for _, v := range inst {
		n = max(n, v)
	}
	fmt.Printf("%d cells; weights from %.2f to %.2f; wrote %s\n", n, minOf(w), wmax, *out)
}

func minOf(a []float32) float64 {
	m := math.Inf(1)
	for _, v := range a {
		m = min(m, float64(v))
	}
	return m
}
