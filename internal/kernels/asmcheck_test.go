package kernels

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestAVX2Encoding checks the generated AVX2 kernels for registers only
// AVX-512 has (Y16-Y31, Z, K): the assembler would encode such an
// instruction with EVEX, which faults on an AVX2-only CPU that this machine
// cannot show. It also checks that every kernel ends with VZEROUPPER.
func TestAVX2Encoding(t *testing.T) {
	files, _ := filepath.Glob("../asm/*_amd64.s")
	if len(files) == 0 {
		t.Skip("no generated assembly")
	}
	evex := regexp.MustCompile(`\b(Y(1[6-9]|2[0-9]|3[01])|X(1[6-9]|2[0-9]|3[01])|Z[0-9]+|K[0-7])\b`)
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		fn, last := "", ""
		for n := 1; sc.Scan(); n++ {
			line := strings.TrimSpace(sc.Text())
			if strings.HasPrefix(line, "TEXT ") {
				fn = line
			}
			if strings.Contains(fn, "AVX2(SB)") && evex.MatchString(line) {
				t.Errorf("%s:%d: AVX-512 register in an AVX2 kernel: %s", f, n, line)
			}
			if line == "RET" && last != "VZEROUPPER" {
				t.Errorf("%s:%d: RET without VZEROUPPER in %s", f, n, fn)
			}
			if line != "" {
				last = line
			}
		}
		fh.Close()
	}
}
