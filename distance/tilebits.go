package distance

import (
	"encoding/binary"
	"math"
	"math/bits"
)

// The zeros of every pass's output are the zeros of the mask (a nonzero
// voxel's squared distance is at least the smallest spacing squared, a
// normal float32, or +Inf), so the strided passes find a tile's runs of
// object voxels from the mask, 64 lanes a word, instead of scanning its
// float32 lines.

// nonzeroBits returns bit l set where row[l] != 0, for the first 64 bytes
// of row at most.
func nonzeroBits(row []uint8) uint64 {
	if len(row) >= 64 {
		// A whole tile row: eight words, most often all zero.
		r := (*[64]uint8)(row)
		var w [8]uint64
		var or uint64
		for i := range w {
			w[i] = binary.LittleEndian.Uint64(r[8*i:])
			or |= w[i]
		}
		if or == 0 {
			return 0
		}
		var m uint64
		for i, x := range w {
			m |= byteBits(x) << (8 * i)
		}
		return m
	}
	var m uint64
	l := 0
	for ; l+8 <= len(row) && l < 64; l += 8 {
		w := binary.LittleEndian.Uint64(row[l:])
		if w == 0 { // background, the common word
			continue
		}
		m |= byteBits(w) << l
	}
	for ; l < len(row) && l < 64; l++ {
		if row[l] != 0 {
			m |= 1 << l
		}
	}
	return m
}

// byteBits returns bit i set where byte i of w is nonzero.
func byteBits(w uint64) uint64 {
	// Bit 7 of each byte: set when the byte is nonzero.
	t := ((w & 0x7f7f7f7f7f7f7f7f) + 0x7f7f7f7f7f7f7f7f | w) & 0x8080808080808080
	// The eight bits 7, 15, ..., 63 to bits 56..63, then down.
	return t >> 7 * 0x0102040810204080 >> 56
}

// nonzeroFloats returns bit l set where row[l] != 0 (-0 is zero), for the
// first 64 elements of row at most.
func nonzeroFloats(row []float32) uint64 {
	var m uint64
	for l, x := range row[:min(len(row), 64)] {
		y := math.Float32bits(x) << 1 // 0 for ±0
		m |= uint64((y|-y)>>31) << l
	}
	return m
}

// transpose64 transposes the 64×64 bit matrix a in place: bit c of a[r]
// goes to bit r of a[c].
func transpose64(a *[64]uint64) {
	m := uint64(0x00000000ffffffff)
	for j := 32; j != 0; j >>= 1 {
		for k := 0; k < 64; k = (k + j + 1) &^ j {
			t := (a[k]>>j ^ a[k+j]) & m
			a[k] ^= t << j
			a[k+j] ^= t
		}
		m ^= m << (j >> 1)
	}
}

// nextRun returns the first run of set bits [q0, q1) of the bit set b at
// or after bit t, bits at or beyond n being clear; q0 = n when there is
// none.
func nextRun(b []uint64, t, n int) (int, int) {
	q0 := nextBit(b, t, n, 0)
	if q0 >= n {
		return n, n
	}
	return q0, nextBit(b, q0, n, ^uint64(0))
}

// nextBit returns the first bit at or after t (below n, else n) of b that
// is set, with flip 0, or clear, with flip all ones.
func nextBit(b []uint64, t, n int, flip uint64) int {
	for w := t >> 6; w<<6 < n; w++ {
		x := b[w] ^ flip
		if w == t>>6 {
			x &= ^uint64(0) << (t & 63)
		}
		if x != 0 {
			return min(n, w<<6+bits.TrailingZeros64(x))
		}
	}
	return n
}
