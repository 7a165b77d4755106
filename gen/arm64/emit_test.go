package main

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/arch/arm64/arm64asm"
)

// decode returns the ARM syntax of one instruction word.
func decode(w uint32) (string, error) {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], w)
	in, err := arm64asm.Decode(b[:])
	if err != nil {
		return "", err
	}
	return in.String(), nil
}

var wordLine = regexp.MustCompile(`^\s*WORD\s+\$0x([0-9a-f]{8}) // (.*)$`)

// TestWords decodes every WORD of every generated family and checks it
// against its comment.
func TestWords(t *testing.T) {
	for _, fam := range sortedKeys(families) {
		s, _, err := generate(fam)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for i, l := range strings.Split(s, "\n") {
			if !strings.Contains(l, "WORD") {
				continue
			}
			m := wordLine.FindStringSubmatch(l)
			if m == nil {
				t.Errorf("%s:%d: malformed WORD line %q", fam, i+1, l)
				continue
			}
			w, _ := strconv.ParseUint(m[1], 16, 32)
			got, err := decode(uint32(w))
			if err != nil || got != m[2] {
				t.Errorf("%s:%d: %s decodes as %q (%v), comment says %q", fam, i+1, m[1], got, err, m[2])
			}
			n++
		}
		t.Logf("%s: %d WORDs checked", fam, n)
	}
}

// emitterCases exercise every instruction function of the emitter with
// the instruction it must produce in ARM syntax (as arm64asm prints it).
// Registers are chosen distinct and high enough to catch swapped operands
// and truncated register fields.
var emitterCases = []struct {
	emit func()
	arm  string
}{
	// general-purpose
	{func() { MOV(1, 2) }, "MOV X1, X2"},
	{func() { MOVi(3, 42) }, "MOV X3, #0x2a"},
	{func() { ADD(1, 2, 3) }, "ADD X1, X2, X3"},
	{func() { ADDlsl(1, 2, 3, 2) }, "ADD X1, X2, X3, LSL #2"},
	{func() { ADDi(4, 5, 16) }, "ADD X4, X5, #0x10"},
	{func() { SUB(1, 2, 3) }, "SUB X1, X2, X3"},
	{func() { SUBi(4, 5, 4) }, "SUB X4, X5, #0x4"},
	{func() { SUBSi(4, 5, 1) }, "SUBS X4, X5, #0x1"},
	{func() { LSLi(6, 7, 3) }, "LSL X6, X7, #3"},
	{func() { MUL(1, 2, 3) }, "MUL X1, X2, X3"},
	{func() { CMP(8, 9) }, "CMP X8, X9"},
	{func() { CMPW(8, 9) }, "CMP W8, W9"},
	{func() { CMPi(10, 4) }, "CMP X10, #0x4"},
	{func() { TSTi(10, 3) }, "TST X10, #0x3"},
	{func() { LSLr(1, 2, 3) }, "LSL X1, X2, X3"},
	{func() { LSRr(1, 2, 3) }, "LSR X1, X2, X3"},
	{func() { ANDi(4, 5, 0xff) }, "AND X4, X5, #0xff"},
	{func() { ORRr(1, 2, 3) }, "ORR X1, X2, X3"},
	{func() { LDRSW(1, 2, 8) }, "LDRSW X1, [X2,#8]"},
	{func() { LDRB(1, 2, 3) }, "LDRB W1, [X2,#3]"},
	{func() { LDRWU(1, 2, 4) }, "LDR W1, [X2,#4]"},
	{func() { LDR(1, 2, 16) }, "LDR X1, [X2,#16]"},
	{func() { STR(1, 2, 16) }, "STR X1, [X2,#16]"},
	{func() { LDRx(1, 2, 3, 3) }, "LDR X1, [X2,X3,LSL #3]"},
	{func() { STRx(1, 2, 3, 3) }, "STR X1, [X2,X3,LSL #3]"},
	{func() { LDRSWx(1, 2, 3, 2) }, "LDRSW X1, [X2,X3,LSL #2]"},
	{func() { LDRBx(1, 2, 3) }, "LDRB W1, [X2,X3]"},
	// scalar floating point
	{func() { LDRS(17, 2, 8) }, "LDR S17, [X2,#8]"},
	{func() { STRS(17, 2, 8) }, "STR S17, [X2,#8]"},
	{func() { LDRSx(17, 2, 3) }, "LDR S17, [X2,X3,LSL #2]"},
	{func() { STRSx(17, 2, 3) }, "STR S17, [X2,X3,LSL #2]"},
	{func() { LDRQ(17, 2, 32) }, "LDR Q17, [X2,#32]"},
	{func() { STRQ(17, 2, 32) }, "STR Q17, [X2,#32]"},
	{func() { FADDs(20, 21, 22) }, "FADD S20, S21, S22"},
	{func() { FSUBs(20, 21, 22) }, "FSUB S20, S21, S22"},
	{func() { FMULs(20, 21, 22) }, "FMUL S20, S21, S22"},
	{func() { FDIVs(20, 21, 22) }, "FDIV S20, S21, S22"},
	{func() { SCVTFs(20, 5) }, "SCVTF S20, W5"},
	// vector, Go mnemonics
	{func() { VLD1(17, 2) }, "LD1 {V17.4S}, [X2]"},
	{func() { VLD1post(17, 2) }, "LD1 {V17.4S}, [X2],#16"},
	{func() { VST1(17, 2) }, "ST1 {V17.4S}, [X2]"},
	{func() { VST1post(17, 2) }, "ST1 {V17.4S}, [X2],#16"},
	{func() { VLD1x4post(17, 2) }, "LD1 {V17.4S-V20.4S}, [X2],#64"},
	{func() { VST1x4post(17, 2) }, "ST1 {V17.4S-V20.4S}, [X2],#64"},
	{func() { VLD1x2(17, 2) }, "LD1 {V17.4S, V18.4S}, [X2]"},
	{func() { VST1x2(17, 2) }, "ST1 {V17.4S, V18.4S}, [X2]"},
	{func() { LD1lane(17, 2, 3) }, "LD1 {V17.S}[2], [X3]"},
	{func() { ST1lane(17, 3, 4) }, "ST1 {V17.S}[3], [X4]"},
	{func() { LD1R(17, 2) }, "LD1R {V17.4S}, [X2]"},
	{func() { ADD4S(20, 21, 22) }, "ADD V20.4S, V21.4S, V22.4S"},
	{func() { SUB4S(20, 21, 22) }, "SUB V20.4S, V21.4S, V22.4S"},
	{func() { UMAX(20, 21, 22) }, "UMAX V20.4S, V21.4S, V22.4S"},
	{func() { CMEQ4S(20, 21, 22) }, "CMEQ V20.4S, V21.4S, V22.4S"},
	{func() { AND(20, 21, 22) }, "AND V20.16B, V21.16B, V22.16B"},
	{func() { ORR(20, 21, 22) }, "ORR V20.16B, V21.16B, V22.16B"},
	{func() { EOR(20, 21, 22) }, "EOR V20.16B, V21.16B, V22.16B"},
	{func() { BSL(20, 21, 22) }, "BSL V20.16B, V21.16B, V22.16B"},
	{func() { BIT(20, 21, 22) }, "BIT V20.16B, V21.16B, V22.16B"},
	{func() { BIF(20, 21, 22) }, "BIF V20.16B, V21.16B, V22.16B"},
	{func() { MOVv(20, 21) }, "MOV V20.16B, V21.16B"},
	{func() { USHR4S(20, 21, 23) }, "USHR V20.4S, V21.4S, #23"},
	{func() { SHL4S(20, 21, 23) }, "SHL V20.4S, V21.4S, #23"},
	{func() { FMLA(20, 21, 22) }, "FMLA V20.4S, V21.4S, V22.4S"},
	{func() { FMLS(20, 21, 22) }, "FMLS V20.4S, V21.4S, V22.4S"},
	{func() { DUPr(20, 5) }, "DUP V20.4S, W5"},
	{func() { DUPe(20, 21, 3) }, "DUP V20.4S, V21.S[3]"},
	{func() { UMOV(5, 21, 2) }, "MOV W5, V21.S[2]"},
	{func() { INSr(20, 1, 5) }, "MOV V20.S[1], W5"},
	{func() { INSe(20, 1, 21, 3) }, "MOV V20.S[1], V21.S[3]"},
	{func() { UXTL8(20, 21) }, "UXTL V20.8H, V21.8B"},
	{func() { UXTL16(20, 21) }, "UXTL V20.4S, V21.4H"},
	{func() { ADDV4S(20, 21) }, "ADDV S20, V21.4S"},
	// vector, WORD
	{func() { FADD(20, 21, 31) }, "FADD V20.4S, V21.4S, V31.4S"},
	{func() { FSUB(20, 21, 22) }, "FSUB V20.4S, V21.4S, V22.4S"},
	{func() { FMUL(20, 21, 22) }, "FMUL V20.4S, V21.4S, V22.4S"},
	{func() { FDIV(20, 21, 22) }, "FDIV V20.4S, V21.4S, V22.4S"},
	{func() { FMAX(20, 21, 22) }, "FMAX V20.4S, V21.4S, V22.4S"},
	{func() { FMIN(20, 21, 22) }, "FMIN V20.4S, V21.4S, V22.4S"},
	{func() { FMAXNM(20, 21, 22) }, "FMAXNM V20.4S, V21.4S, V22.4S"},
	{func() { FMINNM(20, 21, 22) }, "FMINNM V20.4S, V21.4S, V22.4S"},
	{func() { FADDP(20, 21, 22) }, "FADDP V20.4S, V21.4S, V22.4S"},
	{func() { FADDPs(20, 21) }, "FADDP S20, V21.2S"},
	{func() { FCMEQ(20, 21, 22) }, "FCMEQ V20.4S, V21.4S, V22.4S"},
	{func() { FCMGE(20, 21, 22) }, "FCMGE V20.4S, V21.4S, V22.4S"},
	{func() { FCMGT(20, 21, 22) }, "FCMGT V20.4S, V21.4S, V22.4S"},
	{func() { FCMGTz(20, 21) }, "FCMGT V20.4S, V21.4S, #0"},
	{func() { FCMEQz(20, 21) }, "FCMEQ V20.4S, V21.4S, #0"},
	{func() { FCMLTz(20, 21) }, "FCMLT V20.4S, V21.4S, #0"},
	{func() { FCMGEz(20, 21) }, "FCMGE V20.4S, V21.4S, #0"},
	{func() { FCMLEz(20, 21) }, "FCMLE V20.4S, V21.4S, #0"},
	{func() { CMGT(20, 21, 22) }, "CMGT V20.4S, V21.4S, V22.4S"},
	{func() { CMHS(20, 21, 22) }, "CMHS V20.4S, V21.4S, V22.4S"},
	{func() { SMAX(20, 21, 22) }, "SMAX V20.4S, V21.4S, V22.4S"},
	{func() { SMIN(20, 21, 22) }, "SMIN V20.4S, V21.4S, V22.4S"},
	{func() { BIC(20, 21, 22) }, "BIC V20.16B, V21.16B, V22.16B"},
	{func() { ORN(20, 21, 22) }, "ORN V20.16B, V21.16B, V22.16B"},
	{func() { NOT(20, 21) }, "MVN V20.16B, V21.16B"},
	{func() { FABS(20, 21) }, "FABS V20.4S, V21.4S"},
	{func() { FSQRT(20, 21) }, "FSQRT V20.4S, V21.4S"},
	{func() { FNEG(20, 21) }, "FNEG V20.4S, V21.4S"},
	{func() { FRINTN(20, 21) }, "FRINTN V20.4S, V21.4S"},
	{func() { FCVTZS(20, 21) }, "FCVTZS V20.4S, V21.4S"},
	{func() { SCVTF(20, 21) }, "SCVTF V20.4S, V21.4S"},
	{func() { NEG(20, 21) }, "NEG V20.4S, V21.4S"},
	{func() { FMULel(20, 21, 22, 3) }, "FMUL V20.4S, V21.4S, V22.S[3]"},
	{func() { FMLAel(20, 21, 6, 1) }, "FMLA V20.4S, V21.4S, V6.S[1]"},
	{func() { FMLSel(20, 21, 30, 2) }, "FMLS V20.4S, V21.4S, V30.S[2]"},
	{func() { UMAXV(20, 29) }, "UMAXV S20, V29.4S"},
	{func() { UMAXV(3, 5) }, "UMAXV S3, V5.4S"},
}

// TestEmitter assembles one instruction of every emitter function with Go's
// arm64 assembler and checks that the machine code is the intended ARM
// instruction: Go's operand order, reversed from ARM's, is where a
// hand-written wrapper would go wrong.
func TestEmitter(t *testing.T) {
	out.Reset()
	for _, c := range emitterCases {
		c.emit()
	}
	body := out.String()
	out.Reset()
	const first = 3 // source line of the first instruction
	src := "#include \"textflag.h\"\nTEXT ·emitter(SB), NOSPLIT, $0-0\n" + body + "\tRET\n"
	byLine := assemble(t, src)
	lines := strings.Split(strings.TrimSuffix(body, "\n"), "\n")
	for i, c := range emitterCases {
		ws := byLine[first+i]
		if len(ws) != 1 {
			t.Errorf("%s\n\tassembles to %d instructions %08x, want one %q", strings.TrimSpace(lines[i]), len(ws), ws, c.arm)
			continue
		}
		got, err := decode(ws[0])
		if err != nil || got != c.arm {
			t.Errorf("%s\n\tassembles to %08x = %q (%v), want %q", strings.TrimSpace(lines[i]), ws[0], got, err, c.arm)
		}
	}
}

// assemble assembles src (one function) for arm64 and returns the
// instruction words of each source line.
func assemble(t *testing.T, src string) map[int][]uint32 {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.s"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	goroot := strings.TrimSpace(run(t, dir, nil, "go", "env", "GOROOT"))
	listing := run(t, dir, []string{"GOARCH=arm64", "GOOS=linux"}, "go", "tool", "asm", "-S", "-p", "main",
		"-I", filepath.Join(goroot, "pkg", "include"), "-o", filepath.Join(dir, "a.o"), "a.s")
	// The listing has "\t0x0004 00004 (a.s:4)\tVMOV ..." for every
	// instruction and ends with a hex dump of the function's bytes,
	// "\t0x0000 43 cc 21 4e ...".
	var code []byte
	type at struct{ off, line int }
	var ins []at
	insn := regexp.MustCompile(`^\t0x[0-9a-f]{4} (\d{5}) \(a\.s:(\d+)\)\t([A-Z]\S*)`)
	dump := regexp.MustCompile(`^\t0x[0-9a-f]{4} ((?:[0-9a-f]{2} )*[0-9a-f]{2})`)
	sc := bufio.NewScanner(strings.NewReader(listing))
	for sc.Scan() {
		l := sc.Text()
		if m := insn.FindStringSubmatch(l); m != nil {
			if m[3] == "TEXT" || m[3] == "FUNCDATA" || m[3] == "PCDATA" {
				continue
			}
			off, _ := strconv.Atoi(m[1])
			line, _ := strconv.Atoi(m[2])
			ins = append(ins, at{off, line})
			continue
		}
		if m := dump.FindStringSubmatch(l); m != nil {
			b, err := hex.DecodeString(strings.ReplaceAll(m[1], " ", ""))
			if err != nil {
				t.Fatal(err)
			}
			code = append(code, b...)
		}
	}
	res := map[int][]uint32{}
	for i, a := range ins {
		end := len(code)
		if i+1 < len(ins) {
			end = ins[i+1].off
		}
		for o := a.off; o+4 <= end; o += 4 {
			res[a.line] = append(res[a.line], binary.LittleEndian.Uint32(code[o:]))
		}
	}
	return res
}

func run(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, b)
	}
	return string(b)
}

// TestGeneratedBuilds writes every family into a package of its own and
// builds and vets it for arm64: every mnemonic line assembles, and go vet
// checks the argument names, offsets and frame sizes against the stubs.
func TestGeneratedBuilds(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module neontest\n\ngo 1.26\n")
	var names []string
	for _, fam := range sortedKeys(families) {
		s, stubs, err := generate(fam)
		if err != nil {
			t.Fatal(err)
		}
		write(fam+"_arm64.s", s)
		write(fam+"_arm64.go", strings.Replace(stubs, "package asm", "package main", 1))
		for _, f := range funcs {
			names = append(names, f.Name)
		}
	}
	// a program that references every kernel, so that the link resolves
	// every symbol they use
	write("main.go", "package main\n\nvar kernels = []any{"+strings.Join(names, ", ")+"}\n\nfunc main() { println(len(kernels)) }\n")
	env := []string{"GOARCH=arm64", "GOOS=linux", "GOFLAGS=-mod=mod"}
	run(t, dir, env, "go", "build", "-o", filepath.Join(dir, "neontest"), ".")
	run(t, dir, env, "go", "vet", ".")
}

// TestDeterministic generates every family twice.
func TestDeterministic(t *testing.T) {
	for _, fam := range sortedKeys(families) {
		a, sa, _ := generate(fam)
		b, sb, _ := generate(fam)
		if a != b || sa != sb {
			t.Errorf("%s: two runs differ", fam)
		}
	}
}

// TestRegisters checks every generated kernel for the registers it must
// leave alone (R18 platform, R26 closure context, R27 the assembler's
// scratch, R28 g, R29 frame pointer, R30 link register, RSP) and for a
// NOSPLIT TEXT without a stack frame.
func TestRegisters(t *testing.T) {
	bad := regexp.MustCompile(`\b(R18|R26|R27|R28|R29|R30|RSP|g)\b`)
	text := regexp.MustCompile(`^TEXT ·\w+\(SB\), NOSPLIT, \$0-\d+$`)
	for _, fam := range sortedKeys(families) {
		s, _, _ := generate(fam)
		for i, l := range strings.Split(s, "\n") {
			code, _, _ := strings.Cut(l, "//")
			if bad.MatchString(code) {
				t.Errorf("%s:%d: reserved register: %s", fam, i+1, l)
			}
			if strings.HasPrefix(l, "TEXT") && !text.MatchString(l) {
				t.Errorf("%s:%d: want a NOSPLIT TEXT without frame: %s", fam, i+1, l)
			}
		}
	}
}

// TestKnownEncodings checks the hand-encoded words of the target check
// against the words GNU as writes for them (and VUMAX, which Go's
// assembler encodes, likewise), independently of arm64asm's decoder.
func TestKnownEncodings(t *testing.T) {
	out.Reset()
	UMAXV(0, 1)
	UMAXV(31, 30)
	got := out.String()
	out.Reset()
	want := "\tWORD    $0x6eb0a820 // UMAXV S0, V1.4S\n\tWORD    $0x6eb0abdf // UMAXV S31, V30.4S\n"
	if got != want {
		t.Errorf("UMAXV emits\n%s\nwant\n%s", got, want)
	}
	UMAX(0, 1, 2)
	body := out.String()
	out.Reset()
	ws := assemble(t, "#include \"textflag.h\"\nTEXT ·k(SB), NOSPLIT, $0-0\n"+body+"\tRET\n")[3]
	if len(ws) != 1 || ws[0] != 0x6ea26420 { // UMAX V0.4S, V1.4S, V2.4S
		t.Errorf("UMAX(0, 1, 2) assembles to %08x, want 6ea26420", ws)
	}
}
