package loss

import "bytes"

// labelTotals returns, from the labels alone, the sum of the CE class
// weights w (nil: weight 1) over the non-ignored pixels and their count:
// the W and Valid sums of the statistics pass, which the single pass of a
// pixelwise loss needs before it reads the logits. The labels have been
// checked. Counts are exact; the weight sum is sum_c w_c*count_c in
// float64.
func (ws *workspace) labelTotals(l Labels, C int, ign IgnoreIndex, w []float32) (wsum, valid float64) {
	if w == nil {
		n := l.Len()
		if ign.set {
			n -= countLabel(l, ign.label)
		}
		return float64(n), float64(n)
	}
	ws.hist = grow(ws.hist, C)
	h := ws.hist
	clear(h)
	if l.u8 != nil && C <= 16 {
		// One vectorised count per class beats a histogram loop.
		for c := range h {
			h[c] = bytes.Count(l.u8, []byte{byte(c)})
		}
	} else if l.u8 != nil {
		for _, v := range l.u8 {
			if int(v) < C {
				h[v]++
			}
		}
	} else {
		for _, v := range l.i32 {
			if uint32(v) < uint32(C) {
				h[v]++
			}
		}
	}
	n := 0
	for c, k := range h {
		if ign.set && int32(c) == ign.label {
			continue
		}
		n += k
		wsum += float64(w[c]) * float64(k)
	}
	return wsum, float64(n)
}

// countLabel returns the number of labels equal to v.
func countLabel(l Labels, v int32) int {
	if l.u8 != nil {
		if v < 0 || v > 255 {
			return 0
		}
		return bytes.Count(l.u8, []byte{byte(v)})
	}
	n := 0
	for _, y := range l.i32 {
		if y == v {
			n++
		}
	}
	return n
}
