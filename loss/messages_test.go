package loss

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// TestErrorMessages checks the text of the errors a newcomer meets first:
// what they say, not only which error they wrap.
func TestErrorMessages(t *testing.T) {
	var ws Workspace
	// NHWC logits (n=2, h=8, w=8, c=4) with NewShape(n, h, w, c): the
	// logits' length matches, the labels' does not.
	const n, h, w, c = 2, 8, 8, 4
	x := make([]float32, n*h*w*c)
	lab := make([]uint8, n*h*w)
	nhwc := NewShape(n, h, w, c)
	ceDice := CombinedLoss(0.5, 0.5)
	nchw := NewShape(n, c, h, w)
	for _, tc := range []struct {
		name string
		want error
		call func() error
		has  []string // substrings of the message
		not  []string // and what it must not say
	}{
		{"NHWC shape, Forward", ErrLength, func() error { _, err := ceDice.Forward(&ws, x, U8(lab), nhwc); return err },
			[]string{"labels have 128 elements, want N*S = 64", "layout is N x C x spatial", "C = 4, S = 64", "another order"}, nil},
		{"NHWC shape, Accumulate", ErrLength, func() error {
			var st Stats
			if err := st.Reset(n, h); err != nil {
				return err
			}
			return ceDice.Accumulate(&ws, &st, x, U8(lab), nhwc, 0)
		}, []string{"layout is N x C x spatial", "another order"}, nil},
		// Labels of another length that fits no N x C' x S': no layout hint.
		{"short labels", ErrLength, func() error { _, err := ceDice.Forward(&ws, x, U8(lab[:127]), nchw); return err },
			[]string{"labels have 127 elements, want N*S = 128"}, []string{"another order"}},
		{"one-hot labels", ErrLength, func() error { _, err := ceDice.Forward(&ws, x, U8(make([]uint8, len(x))), nchw); return err },
			[]string{"labels have 512 elements, want N*S = 128", "one class index per pixel"}, []string{"another order"}},
		{"Tversky alpha -1", ErrOption, func() error {
			m := &Multiclass{Terms: []Weighted{{1, Tversky(-1, 0.7)}}}
			_, err := m.Forward(&ws, x, U8(lab), nchw)
			return err
		}, []string{"Region.Alpha = -1, want a value >= 0"}, []string{"[0,", "e+308"}},
		{"Tversky beta too large", ErrOption, func() error {
			b := &Binary{Terms: []Weighted{{1, Tversky(0.3, 2e6)}}}
			_, err := b.Forward(&ws, x, make([]float32, len(x)), nchw)
			return err
		}, []string{"Region.Beta = 2e+06, want at most 1e+06"}, nil},
		{"focal gamma -1", ErrOption, func() error {
			m := &Multiclass{Terms: []Weighted{{1, &Focal{Gamma: -1}}}}
			_, err := m.Forward(&ws, x, U8(lab), nchw)
			return err
		}, []string{"Focal.Gamma = -1, want a value >= 0"}, []string{"[0,"}},
		{"sigmoid focal gamma -1", ErrOption, func() error {
			b := &Binary{Terms: []Weighted{{1, &SigmoidFocal{Alpha: -1, Gamma: -1}}}}
			_, err := b.Forward(&ws, x, make([]float32, len(x)), nchw)
			return err
		}, []string{"SigmoidFocal.Gamma = -1, want a value >= 0"}, []string{"[0,"}},
		{"label smoothing 2", ErrOption, func() error {
			m := &Multiclass{Terms: []Weighted{{1, &CrossEntropy{LabelSmoothing: 2}}}}
			_, err := m.Forward(&ws, x, U8(lab), nchw)
			return err
		}, []string{"CrossEntropy.LabelSmoothing = 2, want a value in [0, 1]"}, nil},
		{"term weight -1", ErrWeight, func() error {
			m := &Multiclass{Terms: []Weighted{{-1, &CrossEntropy{}}}}
			_, err := m.Forward(&ws, x, U8(lab), nchw)
			return err
		}, []string{"term 0 has weight -1, want a value >= 0"}, []string{"[0,"}},
	} {
		err := tc.call()
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
			continue
		}
		msg := err.Error()
		for _, s := range tc.has {
			if !strings.Contains(msg, s) {
				t.Errorf("%s: %q does not say %q", tc.name, msg, s)
			}
		}
		for _, s := range tc.not {
			if strings.Contains(msg, s) {
				t.Errorf("%s: %q says %q", tc.name, msg, s)
			}
		}
	}
}

// TestCheckRangeUnbounded: a range without an upper bound reads ">= lo",
// not an interval ending at math.MaxFloat64 or +Inf.
func TestCheckRangeUnbounded(t *testing.T) {
	for _, hi := range []float64{math.MaxFloat64, math.Inf(1)} {
		err := checkRange(-1, 0, hi, "X")
		if err == nil || !strings.Contains(err.Error(), "X = -1, want a value >= 0") || strings.Contains(err.Error(), "e+308") {
			t.Errorf("checkRange(-1, 0, %v): %v", hi, err)
		}
	}
	if err := checkRange(0.5, 0, 1, "X"); err != nil {
		t.Errorf("checkRange(0.5, 0, 1): %v", err)
	}
}
