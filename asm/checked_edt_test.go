//go:build !purego && (amd64 || arm64)

package asm

// The cases of the distance scans' checks, shared by the amd64 and arm64
// tests of their entry points.

type edtScanCase struct {
	dst, src, sq       []float32
	pitch, lanes, rows int
}

// edtScanCases are tiles that do not fit their slices or counts out of
// range; with sq of edtReach+2 squares, the first's slices hold a tile of
// 16 lanes and 4 rows at pitch 16.
func edtScanCases() []edtScanCase {
	const R = edtReach
	sq := make([]float32, R+2)
	src := make([]float32, (4+2*R)*16)
	dst := make([]float32, 4*16)
	return []edtScanCase{
		{dst, src, sq[:R+1], 16, 16, 4},
		{dst, src[:len(src)-1], sq, 16, 16, 4},
		{dst[:len(dst)-1], src, sq, 16, 16, 4},
		{dst, src, sq, 15, 16, 4},
		{dst, src, sq, 16, 12, 4},
		{dst, src, sq, 16, -8, 4},
		{dst, src, sq, 16, 16, -1},
		{dst, src, sq, 16, 16, 5},
		{dst, src, sq, 1 << 62, 16, 4},
		{dst, src, sq, 16, 16, 1 << 62},
		{make([]float32, 1000), make([]float32, 1000*(2*R+1)), sq, 72, 72, 1},
	}
}

type nearCase struct {
	o      []float32
	h      []int32
	f      []float32
	g      []int32
	lim    []float32
	dsq    []float32
	pad, n int
}

// validNear is a row of 10 voxels padded by 4 with 5 steps that fits.
func validNear() nearCase {
	const n, pad = 10, 4
	m := n + 2*pad + 7
	return nearCase{make([]float32, n), make([]int32, n), make([]float32, m), make([]int32, m), make([]float32, n), make([]float32, pad+1), pad, n}
}

// nearCases are validNear with one slice too short or one count out of
// range.
func nearCases() []nearCase {
	var cs []nearCase
	for i := 0; i < 9; i++ {
		c := validNear()
		switch i {
		case 0:
			c.f = c.f[:len(c.f)-1]
		case 1:
			c.g = c.g[:len(c.g)-1]
		case 2:
			c.o = c.o[:c.n-1]
		case 3:
			c.h = c.h[:c.n-1]
		case 4:
			c.pad--
		case 5:
			c.dsq = nil
		case 6:
			c.n = -1
		case 7:
			c.pad = 1 << 62
		case 8:
			c.n = 1 << 62
		}
		cs = append(cs, c)
	}
	return cs
}
