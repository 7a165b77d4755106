package main

import (
	"strings"
	"testing"
)

const sample = `goos: linux
goarch: amd64
pkg: x
,old.txt,,new.txt,,,
,sec/op,CI,sec/op,CI,vs base,P
A/x=1-2,1e-06,1%,1.3e-06,2%,+30.00%,p=0.008 n=10
B-2,5e-07,1%,5.1e-07,1%,+2.00%,p=0.010 n=10
C-2,5e-07,1%,4e-07,1%,-20.00%,p=0.000 n=10
D-2,5e-07,9%,6e-07,9%,~,p=0.300 n=10
geomean,7e-07,,8e-07,,+14.02%,

,old.txt,,new.txt,,,
,B/s,CI,B/s,CI,vs base,P
A/x=1-2,4e+09,1%,3e+09,1%,-25.00%,p=0.000 n=10
geomean,4e+09,,3e+09,,-25.00%,
`

func TestCheck(t *testing.T) {
	bad, n, err := check(strings.NewReader(sample), 10)
	if err != nil {
		t.Fatal(err)
	}
	if n != 4 || len(bad) != 1 || !strings.HasPrefix(bad[0], "A/x=1-2 +30.00%") {
		t.Fatalf("n = %d, bad = %q", n, bad)
	}
	if bad, _, _ := check(strings.NewReader(sample), 40); len(bad) != 0 {
		t.Fatalf("max 40%%: bad = %q", bad)
	}
}
