package metrics

import (
	"errors"
	"fmt"
	"strings"

	"github.com/segloss/segloss/loss"
)

// metricsError is an error of this package: it wraps one of package loss's errors
// (kind) and reads "metrics: " + the kind's text without its "loss: " prefix
// + ": " + what is wrong, such as "metrics: bad shape: Counts.C = 0, want at
// least 1". errors.Is(err, loss.ErrShape) and the like still hold.
type metricsError struct {
	kind error
	msg  string
}

func (e *metricsError) Error() string {
	return "metrics: " + strings.TrimPrefix(e.kind.Error(), "loss: ") + ": " + e.msg
}

func (e *metricsError) Unwrap() error { return e.kind }

// errorf returns a metricsError of kind (a package loss error).
func errorf(kind error, format string, args ...any) error {
	return &metricsError{kind: kind, msg: fmt.Sprintf(format, args...)}
}

// lossKinds are the errors of package loss a metrics error wraps.
var lossKinds = []error{loss.ErrShape, loss.ErrLength, loss.ErrLabel, loss.ErrWeight, loss.ErrOption}

// fromLoss gives an error of package loss (a label check) this package's
// prefix in place of loss's: "loss: label out of range: label 3 at index
// 7, ..." becomes "metrics: label out of range: label 3 at index 7, ...".
// Any other error is returned as it is.
func fromLoss(err error) error {
	for _, kind := range lossKinds {
		if errors.Is(err, kind) {
			if msg, ok := strings.CutPrefix(err.Error(), kind.Error()+": "); ok {
				return &metricsError{kind: kind, msg: msg}
			}
		}
	}
	return err
}

// labelsLenErr is the ErrLength of nlab labels for logits of shape sh, with
// package loss's hints (its labelsLenErr): labels as many as the logits are
// likely one-hot, and lengths that fit N x C' x S' for another C' suggest a
// shape given in another order (NHWC data as NewShape(n, h, w, c)).
func labelsLenErr(nlab int, sh loss.Shape) error {
	msg := fmt.Sprintf("labels have %d elements, want N*S = %d (N=%d C=%d S=%d)", nlab, sh.N*sh.S, sh.N, sh.C, sh.S)
	switch nx := sh.Len(); {
	case nlab == nx:
		msg += "; as many labels as logits: Add takes one class index per pixel, not one-hot labels"
	case nlab > 0 && nlab%sh.N == 0 && nx%nlab == 0:
		msg += fmt.Sprintf("; the layout is N x C x spatial (NCHW), and %d logits with %d labels fit C = %d, S = %d: "+
			"the shape may have been given in another order (NHWC data needs a transpose to NCHW)", nx, nlab, nx/nlab, nlab/sh.N)
	}
	return errorf(loss.ErrLength, "%s", msg)
}
