package ui

import (
	"fmt"
	"math"

	"github.com/vugu/vugu"
)

// ModelMeta is the model chip's detail line.
func (a *App) ModelMeta() string {
	m := a.Model
	s := fmt.Sprintf("%d×%d", m.W, m.H)
	if m.Dataset != "" {
		s = m.Dataset + " · " + s
	}
	if m.ScoreSet != "" && m.TestAUC >= 0 && !math.IsNaN(m.TestAUC) {
		s += " · test AUC " + Num(m.TestAUC)
	}
	return s
}

// ModelTitle is the model chip's tooltip.
func (a *App) ModelTitle() string {
	m := a.Model
	src := map[string]string{"shipped": "shipped with this site", "starter": "trained in this browser at start-up", "file": "loaded from your files"}[m.Source]
	return fmt.Sprintf("%s (%s), trained with %s; %d parameters; classes: %v; test accuracy %s, AUC %s, mean saliency IoU %s",
		m.Name, src, m.Method, m.Params, m.Classes, Pct(m.TestAcc), Num(m.TestAUC), Num(m.TestIoU))
}

func (a *App) onModelFiles(e vugu.DOMEvent) {
	t := e.JSEventTarget()
	a.OpenFiles(t.Get("files"))
	t.Set("value", "")
}

func (a *App) onFileInput(e vugu.DOMEvent) {
	t := e.JSEventTarget()
	files := t.Get("files")
	if files.Length() > 0 {
		a.OpenFiles(files)
	}
	t.Set("value", "")
}

func (a *App) onMaskFile(e vugu.DOMEvent) {
	t := e.JSEventTarget()
	files := t.Get("files")
	if files.Length() > 0 {
		a.ImportMask(files.Index(0))
	}
	t.Set("value", "")
}
