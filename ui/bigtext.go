package ui

import (
	"strings"
	"unicode/utf8"
)

// bigHeight is the height of the block font in lines.
const bigHeight = 5

// bigFont is a block font five lines tall for the headline values of the
// wall layout: digits, the units of the values and a few signs. Lowercase
// letters sit on the baseline like ordinary text.
var bigFont = map[rune][bigHeight]string{
	'0': {"███", "█ █", "█ █", "█ █", "███"},
	'1': {" █ ", "██ ", " █ ", " █ ", "███"},
	'2': {"███", "  █", "███", "█  ", "███"},
	'3': {"███", "  █", "███", "  █", "███"},
	'4': {"█ █", "█ █", "███", "  █", "  █"},
	'5': {"███", "█  ", "███", "  █", "███"},
	'6': {"███", "█  ", "███", "█ █", "███"},
	'7': {"███", "  █", "  █", "  █", "  █"},
	'8': {"███", "█ █", "███", "█ █", "███"},
	'9': {"███", "█ █", "███", "  █", "███"},
	'.': {" ", " ", " ", " ", "█"},
	'%': {"█ █", "  █", " █ ", "█  ", "█ █"},
	'/': {"  █", "  █", " █ ", "█  ", "█  "},
	'-': {"   ", "   ", "███", "   ", "   "},
	'h': {"█  ", "█  ", "█▀█", "█ █", "█ █"},
	'm': {"     ", "     ", "█▀█▀█", "█ █ █", "█ █ █"},
	'd': {"  █", "  █", "█▀█", "█ █", "█▄█"},
	's': {"   ", "   ", "█▀▀", "▀▀█", "▀▀▀"},
	' ': {" ", " ", " ", " ", " "},
	// The words of the open-incidents banner.
	'C': {"███", "█  ", "█  ", "█  ", "███"},
	'D': {"██ ", "█ █", "█ █", "█ █", "██ "},
	'E': {"███", "█  ", "██ ", "█  ", "███"},
	'I': {"███", " █ ", " █ ", " █ ", "███"},
	'N': {"█  █", "██ █", "█ ██", "█  █", "█  █"},
	'O': {"███", "█ █", "█ █", "█ █", "███"},
	'P': {"███", "█ █", "███", "█  ", "█  "},
	'S': {"███", "█  ", "███", "  █", "███"},
	'T': {"███", " █ ", " █ ", " █ ", " █ "},
}

// bigWidth is the width of s in the block font at the given scale, or -1
// when s has a character the font lacks.
func bigWidth(s string, scale int) int {
	w := 0
	n := 0
	for _, r := range s {
		g, ok := bigFont[r]
		if !ok {
			return -1
		}
		w += utf8.RuneCountInString(g[0]) * scale
		n++
	}
	if n > 1 {
		w += (n - 1) * scale
	}
	return w
}

// bigText renders s in the block font, every cell repeated scale times
// across (scale 2 gives the proportions of ordinary digits). ok is false
// when s has a character the font lacks. The lines are plain text of equal
// width.
func bigText(s string, scale int) (lines [bigHeight]string, ok bool) {
	if scale < 1 {
		scale = 1
	}
	var b [bigHeight]strings.Builder
	first := true
	for _, r := range s {
		g, found := bigFont[r]
		if !found {
			return lines, false
		}
		for row := range bigHeight {
			if !first {
				b[row].WriteString(spaces(scale))
			}
			for _, c := range g[row] {
				for range scale {
					b[row].WriteRune(c)
				}
			}
		}
		first = false
	}
	for row := range bigHeight {
		lines[row] = b[row].String()
	}
	return lines, true
}

// tallHeight is the height of the tall block font: every line of the
// font drawn as two, the half blocks at their own halves.
const tallHeight = 2 * bigHeight

// The halves of a line of the block font.
var (
	tallTop    = strings.NewReplacer("▀", "█", "▄", " ")
	tallBottom = strings.NewReplacer("▀", " ", "▄", "█")
)

// tallText is bigText twice as tall: a line of the font becomes two lines,
// its upper half blocks (▀) the first and its lower ones (▄) the second, so
// the lowercase units keep their shapes. ok is false when s has a
// character the font lacks.
func tallText(s string, scale int) (lines [tallHeight]string, ok bool) {
	small, ok := bigText(s, scale)
	if !ok {
		return lines, false
	}
	for i, l := range small {
		lines[2*i] = tallTop.Replace(l)
		lines[2*i+1] = tallBottom.Replace(l)
	}
	return lines, true
}
