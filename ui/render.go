package ui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Every block the dashboard draws is a slice of lines that each fill the
// block's width exactly; blocks are joined side by side and stacked, and
// the final view is exactly as tall and as wide as the terminal. This is
// what keeps resizes from wrapping or cutting a line inside an escape
// sequence.

// fit makes s exactly w cells wide: cut with an ellipsis when too long
// (never inside an escape sequence), padded with spaces when too short.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := ansi.StringWidth(s)
	if sw > w {
		s = ansi.Truncate(s, w, "…")
		sw = ansi.StringWidth(s)
	}
	if sw < w {
		s += spaces(w - sw)
	}
	return s
}

// fitRight is fit that pads on the left, aligning s to the right edge.
func fitRight(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := ansi.StringWidth(s)
	if sw >= w {
		return fit(s, w)
	}
	return spaces(w-sw) + s
}

// center places s in the middle of w cells.
func center(s string, w int) string {
	sw := ansi.StringWidth(s)
	if sw >= w {
		return fit(s, w)
	}
	left := (w - sw) / 2
	return spaces(left) + s + spaces(w-sw-left)
}

// spread puts left and right on one line of w cells, the right part
// aligned to the edge; when both do not fit the left part is cut first,
// and the right one is dropped when even it alone does not fit.
func spread(left, right string, w int) string {
	lw, rw := ansi.StringWidth(left), ansi.StringWidth(right)
	switch {
	case lw+1+rw <= w:
		return left + spaces(w-lw-rw) + right
	case rw+2 <= w/2:
		return fit(left, w-rw-1) + " " + right
	}
	return fit(left, w)
}

var blankRow = strings.Repeat(" ", 512)

// spaces returns n spaces.
func spaces(n int) string {
	if n <= 0 {
		return ""
	}
	if n <= len(blankRow) {
		return blankRow[:n]
	}
	return strings.Repeat(" ", n)
}

// block makes lines exactly w wide and h tall.
func block(lines []string, w, h int) []string {
	out := make([]string, h)
	for i := range out {
		if i < len(lines) {
			out[i] = fit(lines[i], w)
		} else {
			out[i] = spaces(w)
		}
	}
	return out
}

// blank is h empty lines of width w.
func blank(w, h int) []string { return block(nil, w, h) }

// joinH joins equally tall blocks side by side.
func joinH(blocks ...[]string) []string {
	if len(blocks) == 0 {
		return nil
	}
	out := make([]string, len(blocks[0]))
	var b strings.Builder
	for i := range out {
		b.Reset()
		for _, bl := range blocks {
			if i < len(bl) {
				b.WriteString(bl[i])
			}
		}
		out[i] = b.String()
	}
	return out
}

// borderSet is a frame's characters.
type borderSet struct{ h, v, tl, tr, bl, br string }

var (
	frameRound = borderSet{"─", "│", "╭", "╮", "╰", "╯"}
	frameHeavy = borderSet{"━", "┃", "┏", "┓", "┗", "┛"}
)

// frame draws a box of w×h around inner lines: a rounded frame in the
// border style, or a heavy one in the focus style when focused, so that
// focus shows without colour too. title sits in the top edge, note in the
// bottom edge on the right. The inner width is w−4 (one space of padding on
// each side).
func (s *styles) frame(title, note string, inner []string, w, h int, focused bool) []string {
	if w < 4 || h < 2 {
		return blank(w, h)
	}
	set, st := frameRound, s.border
	if focused {
		set, st = frameHeavy, s.borderFocus
	}
	out := make([]string, 0, h)
	out = append(out, edge(st, set.tl, set.h, set.tr, title, "", w))
	left := st.Render(set.v) + " "
	right := " " + st.Render(set.v)
	iw := w - 4
	for i := 0; i < h-2; i++ {
		line := ""
		if i < len(inner) {
			line = inner[i]
		}
		out = append(out, left+fit(line, iw)+right)
	}
	out = append(out, edge(st, set.bl, set.h, set.br, "", note, w))
	return out
}

// edge is a frame's top or bottom line with an optional label on the left
// (title) or the right (note).
func edge(st paint, l, h, r, title, note string, w int) string {
	fill := w - 2
	var mid string
	switch {
	case title != "" && fill >= 6:
		t := fit(title, min(ansi.StringWidth(title), fill-4))
		rest := fill - 3 - ansi.StringWidth(t)
		mid = st.Render(h+" ") + t + st.Render(" "+strings.Repeat(h, rest))
	case note != "" && fill >= 6:
		n := fit(note, min(ansi.StringWidth(note), fill-4))
		rest := fill - 3 - ansi.StringWidth(n)
		mid = st.Render(strings.Repeat(h, rest)+" ") + n + st.Render(" "+h)
	default:
		mid = st.Render(strings.Repeat(h, fill))
	}
	return st.Render(l) + mid + st.Render(r)
}
