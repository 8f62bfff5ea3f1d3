//! A small raster canvas for the demo pictures: gradients, glows, and shapes given by their
//! signed distance (in pixels; negative inside), filled with an anti-aliased or blurred edge
//! over their bounding box only. Colours are sRGB components in 0..1.

pub type Rgb = [f32; 3];

pub fn hex(rgb: u32) -> Rgb {
    [
        ((rgb >> 16) & 0xff) as f32 / 255.0,
        ((rgb >> 8) & 0xff) as f32 / 255.0,
        (rgb & 0xff) as f32 / 255.0,
    ]
}

pub fn mix(a: Rgb, b: Rgb, t: f32) -> Rgb {
    let t = t.clamp(0.0, 1.0);
    [
        a[0] + (b[0] - a[0]) * t,
        a[1] + (b[1] - a[1]) * t,
        a[2] + (b[2] - a[2]) * t,
    ]
}

/// Lighter (`by` > 0) or darker (`by` < 0), towards white or black.
pub fn shade(c: Rgb, by: f32) -> Rgb {
    if by >= 0.0 {
        mix(c, [1.0; 3], by)
    } else {
        mix(c, [0.0; 3], -by)
    }
}

pub struct Canvas {
    pub w: usize,
    pub h: usize,
    px: Vec<Rgb>,
}

impl Canvas {
    pub fn new(w: usize, h: usize, fill: Rgb) -> Canvas {
        Canvas {
            w,
            h,
            px: vec![fill; w * h],
        }
    }

    /// Width as a float, for geometry in pixels.
    pub fn wf(&self) -> f32 {
        self.w as f32
    }

    pub fn hf(&self) -> f32 {
        self.h as f32
    }

    /// A linear gradient from `a` to `b` along the direction `angle` (radians).
    pub fn linear_gradient(&mut self, a: Rgb, b: Rgb, angle: f32) {
        let (dx, dy) = (angle.cos(), angle.sin());
        let (cx, cy) = (self.wf() / 2.0, self.hf() / 2.0);
        let half = (cx * dx.abs() + cy * dy.abs()).max(1.0);
        for y in 0..self.h {
            for x in 0..self.w {
                let p = ((x as f32 - cx) * dx + (y as f32 - cy) * dy) / half;
                self.px[y * self.w + x] = mix(a, b, (p + 1.0) / 2.0);
            }
        }
    }

    /// A top-to-bottom gradient through colour stops `(position 0..1, colour)`.
    pub fn vertical_gradient(&mut self, stops: &[(f32, Rgb)]) {
        for y in 0..self.h {
            let t = y as f32 / (self.hf() - 1.0).max(1.0);
            let c = gradient_at(stops, t);
            self.px[y * self.w..(y + 1) * self.w].fill(c);
        }
    }

    /// Light added around a point, fading with distance (sun, bokeh, screen glow).
    pub fn glow(&mut self, cx: f32, cy: f32, radius: f32, color: Rgb, strength: f32) {
        let reach = radius * 2.5;
        self.each_in(
            cx - reach,
            cy - reach,
            cx + reach,
            cy + reach,
            |x, y, px| {
                let d2 = ((x - cx).powi(2) + (y - cy).powi(2)) / (radius * radius);
                let a = strength * (-d2).exp();
                *px = mix(*px, color, a);
            },
        );
    }

    /// Fills the shape `sdf` (signed distance in pixels) inside the box `(x0, y0, x1, y1)`;
    /// `soft` is the edge width in pixels (1: crisp and anti-aliased; more: blurred, for
    /// shadows).
    pub fn fill(
        &mut self,
        bbox: (f32, f32, f32, f32),
        color: Rgb,
        opacity: f32,
        soft: f32,
        sdf: impl Fn(f32, f32) -> f32,
    ) {
        let soft = soft.max(0.5);
        let pad = soft;
        self.each_in(
            bbox.0 - pad,
            bbox.1 - pad,
            bbox.2 + pad,
            bbox.3 + pad,
            |x, y, px| {
                let d = sdf(x, y);
                let cover = (0.5 - d / soft).clamp(0.0, 1.0) * opacity;
                if cover > 0.0 {
                    *px = mix(*px, color, cover);
                }
            },
        );
    }

    /// Changes every pixel in a box by a function of its centre's position.
    pub fn each_in(
        &mut self,
        x0: f32,
        y0: f32,
        x1: f32,
        y1: f32,
        mut f: impl FnMut(f32, f32, &mut Rgb),
    ) {
        let xa = x0.floor().max(0.0) as usize;
        let ya = y0.floor().max(0.0) as usize;
        let xb = (x1.ceil().max(0.0) as usize).min(self.w);
        let yb = (y1.ceil().max(0.0) as usize).min(self.h);
        for y in ya..yb {
            let row = y * self.w;
            for x in xa..xb {
                f(x as f32 + 0.5, y as f32 + 0.5, &mut self.px[row + x]);
            }
        }
    }

    /// 8-bit RGB rows, top to bottom.
    pub fn to_rgb8(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.px.len() * 3);
        for p in &self.px {
            for c in p {
                out.push((c.clamp(0.0, 1.0) * 255.0).round() as u8);
            }
        }
        out
    }
}

fn gradient_at(stops: &[(f32, Rgb)], t: f32) -> Rgb {
    let Some(first) = stops.first() else {
        return [0.0; 3];
    };
    let mut prev = *first;
    if t <= prev.0 {
        return prev.1;
    }
    for &next in &stops[1..] {
        if t <= next.0 {
            return mix(prev.1, next.1, (t - prev.0) / (next.0 - prev.0).max(1e-6));
        }
        prev = next;
    }
    prev.1
}

// ---- signed distances (pixels; negative inside) -------------------------------------------

pub fn circle(x: f32, y: f32, cx: f32, cy: f32, r: f32) -> f32 {
    ((x - cx).powi(2) + (y - cy).powi(2)).sqrt() - r
}

/// An axis-aligned ellipse (approximate distance, exact on the axes: fine for edges).
pub fn ellipse(x: f32, y: f32, cx: f32, cy: f32, rx: f32, ry: f32) -> f32 {
    let nx = (x - cx) / rx;
    let ny = (y - cy) / ry;
    ((nx * nx + ny * ny).sqrt() - 1.0) * rx.min(ry)
}

/// A rectangle of half-size `(hw, hh)` with corner radius `r`, turned by `angle` radians.
#[allow(clippy::too_many_arguments)]
pub fn rounded_rect(x: f32, y: f32, cx: f32, cy: f32, hw: f32, hh: f32, r: f32, angle: f32) -> f32 {
    let (s, c) = angle.sin_cos();
    let lx = (x - cx) * c + (y - cy) * s;
    let ly = -(x - cx) * s + (y - cy) * c;
    let r = r.min(hw).min(hh);
    let qx = lx.abs() - hw + r;
    let qy = ly.abs() - hh + r;
    let outside = (qx.max(0.0).powi(2) + qy.max(0.0).powi(2)).sqrt();
    outside + qx.max(qy).min(0.0) - r
}

/// A ring: the band of width `2 * half` around a shape's edge.
pub fn ring(d: f32, half: f32) -> f32 {
    d.abs() - half
}

/// A line segment from `a` to `b` with round ends, `r` wide on each side.
pub fn capsule(x: f32, y: f32, a: (f32, f32), b: (f32, f32), r: f32) -> f32 {
    let (px, py) = (x - a.0, y - a.1);
    let (bx, by) = (b.0 - a.0, b.1 - a.1);
    let h = ((px * bx + py * by) / (bx * bx + by * by).max(1e-6)).clamp(0.0, 1.0);
    ((px - bx * h).powi(2) + (py - by * h).powi(2)).sqrt() - r
}

/// A convex polygon, its corners in clockwise order on screen (y down) — approximate outside
/// the edges' corners, exact along them.
pub fn convex(x: f32, y: f32, corners: &[(f32, f32)]) -> f32 {
    let mut d = f32::MIN;
    for (i, a) in corners.iter().enumerate() {
        let b = corners[(i + 1) % corners.len()];
        let (ex, ey) = (b.0 - a.0, b.1 - a.1);
        let len = (ex * ex + ey * ey).sqrt().max(1e-6);
        // Outward normal of a clockwise (on screen) edge.
        let (nx, ny) = (ey / len, -ex / len);
        d = d.max((x - a.0) * nx + (y - a.1) * ny);
    }
    d
}

/// The box around corners.
pub fn bounds(corners: &[(f32, f32)]) -> (f32, f32, f32, f32) {
    corners.iter().fold(
        (f32::MAX, f32::MAX, f32::MIN, f32::MIN),
        |(x0, y0, x1, y1), (x, y)| (x0.min(*x), y0.min(*y), x1.max(*x), y1.max(*y)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_have_the_right_sign() {
        assert!(circle(5.0, 5.0, 5.0, 5.0, 2.0) < 0.0);
        assert!(circle(9.0, 5.0, 5.0, 5.0, 2.0) > 0.0);
        assert!(rounded_rect(0.0, 0.0, 0.0, 0.0, 4.0, 2.0, 1.0, 0.3) < 0.0);
        assert!(rounded_rect(10.0, 0.0, 0.0, 0.0, 4.0, 2.0, 1.0, 0.0) > 0.0);
        let square = [(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)];
        assert!(convex(5.0, 5.0, &square) < 0.0);
        assert!(convex(15.0, 5.0, &square) > 0.0);
        assert!(convex(5.0, -3.0, &square) > 0.0);
    }
}
