package main

import "fmt"

// Instructions Go's arm64 assembler has no mnemonic for, encoded by hand
// from the Arm Architecture Reference Manual (A64 Advanced SIMD). Each is
// printed as WORD $0x........ // <ARM syntax>, the comment in exactly the
// text golang.org/x/arch/arm64/arm64asm prints for the word, which
// emit_test.go checks.

// Advanced SIMD three same (Q=1, single precision or 32-bit lanes): Rm at
// bit 16, Rn at bit 5, Rd at bit 0.
const (
	encFADD   = 0x4e20d400
	encFSUB   = 0x4ea0d400
	encFMUL   = 0x6e20dc00
	encFDIV   = 0x6e20fc00
	encFMAX   = 0x4e20f400
	encFMIN   = 0x4ea0f400
	encFMAXNM = 0x4e20c400
	encFMINNM = 0x4ea0c400
	encFADDP  = 0x6e20d400
	encFCMEQ  = 0x4e20e400
	encFCMGE  = 0x6e20e400
	encFCMGT  = 0x6ea0e400
	encCMGT   = 0x4ea03400 // signed int32
	encCMHS   = 0x6ea03c00 // unsigned int32 >=
	encSMAX   = 0x4ea06400
	encSMIN   = 0x4ea06c00
	encBIC    = 0x4e601c00 // 16B
	encORN    = 0x4ee01c00 // 16B
)

// Advanced SIMD two-register miscellaneous (Q=1, 4S): Rn at bit 5, Rd at 0.
const (
	encFABS    = 0x4ea0f800
	encFNEG    = 0x6ea0f800
	encFRINTN  = 0x4e218800
	encFCVTZS  = 0x4ea1b800
	encSCVTF   = 0x4e21d800
	encFCMGTz  = 0x4ea0c800
	encFCMEQz  = 0x4ea0d800
	encFCMLTz  = 0x4ea0e800
	encFCMGEz  = 0x6ea0c800
	encFCMLEz  = 0x6ea0d800
	encNEG     = 0x6ea0b800
	encNOT     = 0x6e205800 // 16B (MVN)
	encFADDPs  = 0x7e30d800 // FADDP Sd, Vn.2S
	encFMULel  = 0x4f809000 // FMUL Vd.4S, Vn.4S, Vm.S[i]
	encFMLAel  = 0x4f801000 // FMLA Vd.4S, Vn.4S, Vm.S[i]
	encFMLSel  = 0x4f805000 // FMLS Vd.4S, Vn.4S, Vm.S[i]
	encFMAXNMP = 0x6e20c400
	encFSQRT   = 0x6ea1f800
)

func chk(vs ...V) {
	for _, v := range vs {
		if v < 0 || v > 31 {
			panic(fmt.Sprintf("bad vector register %d", v))
		}
	}
}

func three(enc uint32, mn string, d, n, m V) {
	chk(d, n, m)
	word(enc|uint32(m)<<16|uint32(n)<<5|uint32(d), fmt.Sprintf("%s %s, %s, %s", mn, d.a4s(), n.a4s(), m.a4s()))
}

func threeB(enc uint32, mn string, d, n, m V) {
	chk(d, n, m)
	word(enc|uint32(m)<<16|uint32(n)<<5|uint32(d), fmt.Sprintf("%s %s, %s, %s", mn, d.a16b(), n.a16b(), m.a16b()))
}

func two(enc uint32, mn string, d, n V) {
	chk(d, n)
	word(enc|uint32(n)<<5|uint32(d), fmt.Sprintf("%s %s, %s", mn, d.a4s(), n.a4s()))
}

func twoZ(enc uint32, mn string, d, n V) {
	chk(d, n)
	word(enc|uint32(n)<<5|uint32(d), fmt.Sprintf("%s %s, %s, #0", mn, d.a4s(), n.a4s()))
}

// FADD Vd.4S, Vn.4S, Vm.4S: d = n + m. The other float32 lane operations
// likewise (FMAX and FMIN return NaN when either lane is NaN, and order -0
// below +0; FMAXNM and FMINNM prefer the number to a quiet NaN).
func FADD(d, n, m V)   { three(encFADD, "FADD", d, n, m) }
func FSUB(d, n, m V)   { three(encFSUB, "FSUB", d, n, m) }
func FMUL(d, n, m V)   { three(encFMUL, "FMUL", d, n, m) }
func FDIV(d, n, m V)   { three(encFDIV, "FDIV", d, n, m) }
func FMAX(d, n, m V)   { three(encFMAX, "FMAX", d, n, m) }
func FMIN(d, n, m V)   { three(encFMIN, "FMIN", d, n, m) }
func FMAXNM(d, n, m V) { three(encFMAXNM, "FMAXNM", d, n, m) }
func FMINNM(d, n, m V) { three(encFMINNM, "FMINNM", d, n, m) }

// FADDP Vd.4S, Vn.4S, Vm.4S: pairwise sums, n's pairs then m's.
func FADDP(d, n, m V) { three(encFADDP, "FADDP", d, n, m) }

// FADDPs is FADDP Sd, Vn.2S: lane 0 + lane 1 of n.
func FADDPs(d, n V) {
	chk(d, n)
	word(encFADDPs|uint32(n)<<5|uint32(d), fmt.Sprintf("FADDP S%d, V%d.2S", d, n))
}

// FCMEQ, FCMGE, FCMGT Vd.4S, Vn.4S, Vm.4S: all ones where n == m, n >= m,
// n > m (false for NaN).
func FCMEQ(d, n, m V) { three(encFCMEQ, "FCMEQ", d, n, m) }
func FCMGE(d, n, m V) { three(encFCMGE, "FCMGE", d, n, m) }
func FCMGT(d, n, m V) { three(encFCMGT, "FCMGT", d, n, m) }

// Comparisons with zero: FCMGT Vd.4S, Vn.4S, #0 and the like.
func FCMGTz(d, n V) { twoZ(encFCMGTz, "FCMGT", d, n) }
func FCMEQz(d, n V) { twoZ(encFCMEQz, "FCMEQ", d, n) }
func FCMLTz(d, n V) { twoZ(encFCMLTz, "FCMLT", d, n) }
func FCMGEz(d, n V) { twoZ(encFCMGEz, "FCMGE", d, n) }
func FCMLEz(d, n V) { twoZ(encFCMLEz, "FCMLE", d, n) }

// CMGT Vd.4S, Vn.4S, Vm.4S: signed int32 n > m. SMAX, SMIN: signed max, min.
func CMGT(d, n, m V) { three(encCMGT, "CMGT", d, n, m) }

// CMHS Vd.4S, Vn.4S, Vm.4S: all ones where unsigned int32 n >= m.
func CMHS(d, n, m V) { three(encCMHS, "CMHS", d, n, m) }
func SMAX(d, n, m V) { three(encSMAX, "SMAX", d, n, m) }
func SMIN(d, n, m V) { three(encSMIN, "SMIN", d, n, m) }

// BIC Vd.16B, Vn.16B, Vm.16B: d = n &^ m. ORN: d = n | ^m.
func BIC(d, n, m V) { threeB(encBIC, "BIC", d, n, m) }
func ORN(d, n, m V) { threeB(encORN, "ORN", d, n, m) }

// NOT Vd.16B, Vn.16B (printed MVN by the disassembler).
func NOT(d, n V) {
	chk(d, n)
	word(encNOT|uint32(n)<<5|uint32(d), fmt.Sprintf("MVN %s, %s", d.a16b(), n.a16b()))
}

// FABS, FNEG Vd.4S, Vn.4S; FRINTN rounds to nearest, ties to even; FCVTZS
// converts to int32 toward zero (saturating, NaN to 0); SCVTF converts
// int32 to float32; NEG negates int32 lanes.
func FABS(d, n V)   { two(encFABS, "FABS", d, n) }
func FSQRT(d, n V)  { two(encFSQRT, "FSQRT", d, n) }
func FNEG(d, n V)   { two(encFNEG, "FNEG", d, n) }
func FRINTN(d, n V) { two(encFRINTN, "FRINTN", d, n) }
func FCVTZS(d, n V) { two(encFCVTZS, "FCVTZS", d, n) }
func SCVTF(d, n V)  { two(encSCVTF, "SCVTF", d, n) }
func NEG(d, n V)    { two(encNEG, "NEG", d, n) }

// byElem encodes the by-element forms with Vm.S[i] (Vm in V0-V31: M is bit
// 20, the index's H:L bits 11 and 21).
func byElem(enc uint32, mn string, d, n, m V, i int) {
	chk(d, n, m)
	if i < 0 || i > 3 {
		panic("bad lane")
	}
	e := enc | uint32(i&1)<<21 | uint32(m)<<16 | uint32(i>>1)<<11 | uint32(n)<<5 | uint32(d)
	word(e, fmt.Sprintf("%s %s, %s, V%d.S[%d]", mn, d.a4s(), n.a4s(), m, i))
}

// FMULel is FMUL Vd.4S, Vn.4S, Vm.S[i]; FMLAel and FMLSel likewise.
func FMULel(d, n, m V, i int) { byElem(encFMULel, "FMUL", d, n, m, i) }

// encUMAXV is UMAXV Sd, Vn.4S (Advanced SIMD across lanes, U=1, size=10,
// opcode 01010): Rn at bit 5, Rd at 0.
const encUMAXV = 0x6eb0a800

// UMAXV is UMAXV Sd, Vn.4S: the largest unsigned int32 lane of n into lane
// 0 of d (the others cleared).
func UMAXV(d, n V) {
	chk(d, n)
	word(encUMAXV|uint32(n)<<5|uint32(d), fmt.Sprintf("UMAXV S%d, %s", d, n.a4s()))
}
func FMLAel(d, n, m V, i int) { byElem(encFMLAel, "FMLA", d, n, m, i) }
func FMLSel(d, n, m V, i int) { byElem(encFMLSel, "FMLS", d, n, m, i) }
