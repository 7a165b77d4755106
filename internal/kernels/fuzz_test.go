package kernels

import (
	"encoding/binary"
	"math"
	"testing"
)

// Fuzz targets: every primitive of every assembly tier against the generic
// tier on inputs decoded from the fuzzer's bytes. `make test` runs each for
// a few seconds, `make fuzz` longer.

// floatsOf decodes little-endian float32s from b.
func floatsOf(b []byte) []float32 {
	x := make([]float32, len(b)/4)
	for i := range x {
		x[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return x
}

// addFloatCorpus adds the corpus entries of the float fuzz targets: no
// input, and special values at lengths around the vector widths.
func addFloatCorpus(f *testing.F) {
	f.Add([]byte{})
	for _, n := range []int{1, 7, 8, 9, 17, 33} {
		b := make([]byte, 4*n)
		for i := 0; i < n; i++ {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(specials[(i*5)%len(specials)]))
		}
		f.Add(b)
	}
}

func fuzzElementwise(f *testing.F, op int) {
	addFloatCorpus(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		x := floatsOf(b)
		for _, tr := range asmTiers() {
			e := elementwiseOps[op]
			checkElementwise(t, tr, e.name, e.get(tr), e.get(genericTier), e.ulps, x, len(b)%16)
		}
	})
}

func FuzzExp(f *testing.F)     { fuzzElementwise(f, 0) }
func FuzzLog(f *testing.F)     { fuzzElementwise(f, 1) }
func FuzzSigmoid(f *testing.F) { fuzzElementwise(f, 2) }
