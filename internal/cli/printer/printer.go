// Package printer writes pvmctl's output: the list table (a title line and
// "| col | col |" rows fitted to the terminal width) and the key=value
// lines of --display-fields.
package printer

import (
	"io"
	"strings"
	"unicode/utf8"
)

// DefaultWidth is used when the output is not a terminal.
const DefaultWidth = 80

// minColumn is the narrowest a column is shortened to.
const minColumn = 3

// Table writes a title, a header row and the rows, fitted to width: while
// the table is wider, the widest column loses one character; a cell longer
// than its column is cut and ends in ">".
func Table(w io.Writer, title string, headers []string, rows [][]string, width int) error {
	if width <= 0 {
		width = DefaultWidth
	}
	n := len(headers)
	widths := make([]int, n)
	for i, h := range headers {
		widths[i] = runeLen(h)
	}
	for _, r := range rows {
		for i := 0; i < n && i < len(r); i++ {
			if l := runeLen(r[i]); l > widths[i] {
				widths[i] = l
			}
		}
	}
	total := func() int {
		t := 1 + 3*n
		for _, c := range widths {
			t += c
		}
		return t
	}
	for total() > width {
		widest := -1
		for i, c := range widths {
			if c > minColumn && (widest < 0 || c > widths[widest]) {
				widest = i
			}
		}
		if widest < 0 {
			break
		}
		widths[widest]--
	}
	var b strings.Builder
	b.WriteString(title)
	b.WriteByte('\n')
	line := func(cells []string) {
		b.WriteByte('|')
		for i := 0; i < n; i++ {
			cell := ""
			if i < len(cells) {
				cell = cells[i]
			}
			b.WriteByte(' ')
			b.WriteString(fit(cell, widths[i]))
			b.WriteString(" |")
		}
		b.WriteByte('\n')
	}
	line(headers)
	for _, r := range rows {
		line(r)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// fit pads or cuts s to exactly n runes; a cut cell ends in ">".
func fit(s string, n int) string {
	s = strings.ReplaceAll(s, "\n", " ")
	l := runeLen(s)
	if l <= n {
		return s + strings.Repeat(" ", n-l)
	}
	if n <= 0 {
		return ""
	}
	rs := []rune(s)
	return string(rs[:n-1]) + ">"
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }

// KV writes one line per object: label=value pairs joined by sep
// (values only with hideLabel).
func KV(w io.Writer, labels []string, rows [][]string, sep string, hideLabel bool) error {
	if sep == "" {
		sep = ","
	}
	var b strings.Builder
	for _, r := range rows {
		for i, v := range r {
			if i > 0 {
				b.WriteString(sep)
			}
			if !hideLabel {
				b.WriteString(labels[i])
				b.WriteByte('=')
			}
			b.WriteString(v)
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}
