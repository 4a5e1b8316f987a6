package vterm

import (
	"image"
	"image/color"
	"image/draw"
	"io"
	"sync"

	"github.com/charmbracelet/x/vt"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// screen is the console as a VNC client sees it: a VT terminal emulator
// (charmbracelet/x/vt) fed with the console's bytes, its cells drawn with
// the Go Mono font on an RGBA framebuffer. Rows are redrawn when they
// change; each row remembers the version it last changed in, so that
// every client can be sent what changed since its last update.
type screen struct {
	mu      sync.Mutex
	emu     *vt.Emulator
	face    font.Face
	cw, ch  int // cell size in pixels
	ascent  int
	cols    int
	rows    int
	img     *image.RGBA
	drawn   [][]cellLook
	version uint64
	rowVer  []uint64
	subs    map[chan struct{}]struct{}
}

type cellLook struct {
	content string
	fg, bg  color.RGBA
	cursor  bool
}

// Colours of the console: light grey on black, as a text console.
var (
	defaultFg = color.RGBA{0xd0, 0xd0, 0xd0, 0xff}
	defaultBg = color.RGBA{0x00, 0x00, 0x00, 0xff}
)

// fontSize is the size of the console font in pixels.
const fontSize = 16

func newScreen(cols, rows int) (*screen, error) {
	f, err := opentype.Parse(gomono.TTF)
	if err != nil {
		return nil, err
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: fontSize, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return nil, err
	}
	m := face.Metrics()
	adv, _ := face.GlyphAdvance('M')
	s := &screen{
		emu: vt.NewEmulator(cols, rows), face: face,
		cw: adv.Ceil(), ch: m.Height.Ceil(), ascent: m.Ascent.Ceil(),
		cols: cols, rows: rows, subs: map[chan struct{}]struct{}{},
	}
	s.img = image.NewRGBA(image.Rect(0, 0, cols*s.cw, rows*s.ch))
	draw.Draw(s.img, s.img.Bounds(), image.NewUniform(defaultBg), image.Point{}, draw.Src)
	s.drawn = make([][]cellLook, rows)
	s.rowVer = make([]uint64, rows)
	for y := range s.drawn {
		s.drawn[y] = make([]cellLook, cols)
		for x := range s.drawn[y] {
			s.drawn[y][x] = cellLook{content: " ", fg: defaultFg, bg: defaultBg}
		}
	}
	// The emulator answers terminal queries on its input pipe; nothing
	// reads them, so drain it.
	go io.Copy(io.Discard, s.emu)
	s.mu.Lock()
	s.version = 1
	s.redraw()
	s.mu.Unlock()
	return s, nil
}

// Bounds is the framebuffer size.
func (s *screen) Bounds() image.Rectangle { return s.img.Bounds() }

// Write feeds console output to the terminal and redraws what changed.
func (s *screen) Write(p []byte) (int, error) {
	s.mu.Lock()
	s.emu.Write(p)
	s.version++
	changed := s.redraw()
	subs := make([]chan struct{}, 0, len(s.subs))
	if changed {
		for c := range s.subs {
			subs = append(subs, c)
		}
	}
	s.mu.Unlock()
	for _, c := range subs {
		select {
		case c <- struct{}{}:
		default:
		}
	}
	return len(p), nil
}

// Close ends the drain of the emulator's answers. (Closing its input pipe
// rather than the emulator: the emulator's Close races with a Read in
// progress.)
func (s *screen) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if pw, ok := s.emu.InputPipe().(*io.PipeWriter); ok {
		pw.Close()
	}
}

// subscribe returns a channel poked after changes.
func (s *screen) subscribe() chan struct{} {
	c := make(chan struct{}, 1)
	s.mu.Lock()
	s.subs[c] = struct{}{}
	s.mu.Unlock()
	return c
}

func (s *screen) unsubscribe(c chan struct{}) {
	s.mu.Lock()
	delete(s.subs, c)
	s.mu.Unlock()
}

func toRGBA(c color.Color, def color.RGBA) color.RGBA {
	if c == nil {
		return def
	}
	r, g, b, _ := c.RGBA()
	return color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 0xff}
}

// redraw draws the rows whose cells changed; s.mu is held.
func (s *screen) redraw() bool {
	cur := s.emu.CursorPosition()
	any := false
	for y := 0; y < s.rows; y++ {
		rowChanged := false
		for x := 0; x < s.cols; x++ {
			look := cellLook{content: " ", fg: defaultFg, bg: defaultBg}
			if c := s.emu.CellAt(x, y); c != nil {
				if c.Content != "" {
					look.content = c.Content
				}
				look.fg = toRGBA(c.Style.Fg, defaultFg)
				look.bg = toRGBA(c.Style.Bg, defaultBg)
			}
			look.cursor = cur.X == x && cur.Y == y && !s.emu.CursorHidden()
			if look != s.drawn[y][x] {
				s.drawn[y][x] = look
				s.drawCell(x, y, look)
				rowChanged = true
			}
		}
		if rowChanged {
			s.rowVer[y] = s.version
			any = true
		}
	}
	return any
}

// drawCell paints one cell: its background, its glyph, and the cursor
// (an underline bar) when it is there.
func (s *screen) drawCell(x, y int, l cellLook) {
	r := image.Rect(x*s.cw, y*s.ch, (x+1)*s.cw, (y+1)*s.ch)
	draw.Draw(s.img, r, image.NewUniform(l.bg), image.Point{}, draw.Src)
	if l.content != " " {
		d := font.Drawer{Dst: s.img, Src: image.NewUniform(l.fg), Face: s.face,
			Dot: fixed.P(r.Min.X, r.Min.Y+s.ascent)}
		d.DrawString(l.content)
	}
	if l.cursor {
		bar := image.Rect(r.Min.X, r.Max.Y-2, r.Max.X, r.Max.Y)
		draw.Draw(s.img, bar, image.NewUniform(l.fg), image.Point{}, draw.Src)
	}
}

// changedRows returns the rows that changed after version since and the
// current version.
func (s *screen) changedRows(since uint64) ([]int, uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var rows []int
	for y, v := range s.rowVer {
		if v > since {
			rows = append(rows, y)
		}
	}
	return rows, s.version
}

// copyRect copies a rectangle of the framebuffer.
func (s *screen) copyRect(r image.Rectangle) *image.RGBA {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := image.NewRGBA(r)
	draw.Draw(out, r, s.img, r.Min, draw.Src)
	return out
}

// rowRect is the framebuffer rectangle of text rows [y0, y1).
func (s *screen) rowRect(y0, y1 int) image.Rectangle {
	return image.Rect(0, y0*s.ch, s.cols*s.cw, y1*s.ch)
}

// text returns the screen's text, one line per row.
func (s *screen) text() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.emu.String()
}
