package metrics

import (
	"errors"
	"strings"
	"testing"

	"github.com/segloss/segloss/loss"
)

// TestErrorMessages: a metrics error has one prefix, "metrics: " and the
// kind of error (as loss's errors say it), and still wraps loss's error.
func TestErrorMessages(t *testing.T) {
	x := make([]float32, 2*4*8*8)
	lab := make([]uint8, 2*8*8)
	for _, tc := range []struct {
		name string
		want error
		call func() error
		has  []string
	}{
		{"C = 0", loss.ErrShape, func() error { var c Counts; return c.Add(x, loss.U8(lab), loss.NewShape(2, 4, 8, 8)) },
			[]string{"metrics: bad shape: Counts.C = 0, want at least 1"}},
		{"merge nil", loss.ErrOption, func() error { c := Counts{C: 2}; return c.Merge(nil) },
			[]string{"metrics: bad option: Merge of a nil Counts"}},
		{"patience", loss.ErrOption, func() error { _, err := NewEarlyStopping(Max, -1, 0); return err },
			[]string{"metrics: bad option: patience = -1"}},
		// NHWC logits with NewShape(n, h, w, c): the layout hint of package loss.
		{"NHWC shape", loss.ErrLength, func() error { c := Counts{C: 8}; return c.Add(x, loss.U8(lab), loss.NewShape(2, 8, 8, 4)) },
			[]string{"metrics: wrong length: labels have 128 elements, want N*S = 64", "layout is N x C x spatial", "another order"}},
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
		if strings.Count(msg, "metrics:") != 1 || strings.Contains(msg, "loss:") {
			t.Errorf("%s: %q: want one prefix, metrics:", tc.name, msg)
		}
	}
}
