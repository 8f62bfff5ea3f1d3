//! What the demo pictures show: a scene per niche (mountains, beaches and skylines for travel;
//! plates for food; weights for fitness; garments for fashion; bottles for beauty; desks for
//! tech) in the niche's palette, varied per post by position, size, colour and variant; and
//! avatars — a silhouette for a person, a mirrored mark for a brand — on the niche's colours.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::canvas::{
    Canvas, Rgb, bounds, capsule, circle, convex, ellipse, hex, mix, ring, rounded_rect, shade,
};
use crate::source::demo::content::Niche;

/// The colours of a niche: two for backgrounds, three accents.
fn palette(niche: Niche) -> [Rgb; 5] {
    let p: [u32; 5] = match niche {
        Niche::Travel => [0x3D5A80, 0xF6B26B, 0xEE6C4D, 0x98C1D9, 0x293241],
        Niche::Fitness => [0x0F4C5C, 0xE36414, 0xFB8B24, 0x9A031E, 0x5F0F40],
        Niche::Food => [0xE9D8C4, 0xC97B63, 0xE63946, 0x2A9D8F, 0xE9C46A],
        Niche::Fashion => [0xEFE4DA, 0xD8C3A5, 0xE98074, 0x8E8D8A, 0x5B5F97],
        Niche::Beauty => [0xFADADD, 0xF4A7B9, 0xC9A9A6, 0xE8B4A0, 0xB5838D],
        Niche::Tech => [0x0B132B, 0x1C2541, 0x5BC0BE, 0x6FFFE9, 0x8E7DBE],
    };
    p.map(hex)
}

/// A colour varied a little per picture.
fn vary(r: &mut ChaCha8Rng, c: Rgb, by: f32) -> Rgb {
    shade(c, r.random_range(-by..by))
}

fn pick<T: Copy>(r: &mut ChaCha8Rng, items: &[T]) -> T {
    items[r.random_range(0..items.len())]
}

/// A soft shadow under a shape: the shape, offset and blurred.
fn shadow(c: &mut Canvas, bbox: (f32, f32, f32, f32), blur: f32, sdf: impl Fn(f32, f32) -> f32) {
    c.fill(
        (bbox.0 - blur, bbox.1 - blur, bbox.2 + blur, bbox.3 + blur),
        [0.0; 3],
        0.28,
        blur,
        sdf,
    );
}

pub fn post(niche: Niche, r: &mut ChaCha8Rng, size: usize) -> Canvas {
    let mut c = Canvas::new(size, size, [1.0; 3]);
    match niche {
        Niche::Travel => travel(&mut c, r),
        Niche::Food => food(&mut c, r),
        Niche::Fitness => fitness(&mut c, r),
        Niche::Fashion => fashion(&mut c, r),
        Niche::Beauty => beauty(&mut c, r),
        Niche::Tech => tech(&mut c, r),
    }
    c
}

fn travel(c: &mut Canvas, r: &mut ChaCha8Rng) {
    let p = palette(Niche::Travel);
    let (w, h) = (c.wf(), c.hf());
    match r.random_range(0..3) {
        // Mountains at golden hour.
        0 => {
            let horizon = r.random_range(0.45..0.6);
            c.vertical_gradient(&[
                (0.0, vary(r, p[0], 0.15)),
                (horizon * 0.8, vary(r, p[1], 0.1)),
                (horizon, shade(p[1], 0.5)),
            ]);
            let (sx, sy) = (w * r.random_range(0.25..0.75), h * (horizon - 0.12));
            c.glow(sx, sy, w * 0.16, shade(p[1], 0.6), 0.7);
            let sr = w * r.random_range(0.05..0.08);
            c.fill(
                (sx - sr, sy - sr, sx + sr, sy + sr),
                hex(0xFFF4D6),
                1.0,
                1.0,
                |x, y| circle(x, y, sx, sy, sr),
            );
            for layer in 0..3 {
                let l = layer as f32;
                let base = h * (horizon - 0.05 + l * 0.12);
                let amp = h * (0.1 - l * 0.025);
                let (f1, f2) = (r.random_range(2.0..5.0), r.random_range(6.0..11.0));
                let (p1, p2) = (r.random_range(0.0..6.3), r.random_range(0.0..6.3));
                let color = mix(shade(p[0], -0.1 + l * -0.15), p[4], l * 0.35);
                c.fill(
                    (0.0, base - amp * 2.0, w, h),
                    color,
                    1.0,
                    1.0,
                    move |x, y| {
                        let t = x / w * std::f32::consts::TAU;
                        let ridge = base
                            - amp * ((t * f1 / 6.3 + p1).sin() + 0.35 * (t * f2 / 6.3 + p2).sin());
                        ridge - y
                    },
                );
            }
        }
        // A beach: sky, sea with glints, sand.
        1 => {
            let sea = r.random_range(0.5..0.62);
            c.vertical_gradient(&[
                (0.0, vary(r, p[3], 0.1)),
                (sea, shade(p[3], 0.45)),
                (sea + 0.001, shade(p[0], 0.15)),
                (0.85, mix(p[0], p[3], 0.6)),
            ]);
            let (sx, sy) = (w * r.random_range(0.2..0.8), h * (sea - 0.15));
            c.glow(sx, sy, w * 0.12, hex(0xFFF4D6), 0.6);
            for i in 0..6 {
                let y0 = h * (sea + 0.04 + i as f32 * 0.04);
                let x0 = w * r.random_range(0.05..0.7);
                let len = w * r.random_range(0.1..0.25);
                c.fill(
                    (x0, y0 - 2.0, x0 + len, y0 + 2.0),
                    [1.0; 3],
                    0.35,
                    1.0,
                    move |x, y| capsule(x, y, (x0, y0), (x0 + len, y0), 1.0),
                );
            }
            let sand = hex(0xEBD5AE);
            let shore = h * r.random_range(0.74..0.82);
            let (f, ph) = (r.random_range(1.0..2.5), r.random_range(0.0..6.3));
            c.fill(
                (0.0, shore - h * 0.05, w, h),
                sand,
                1.0,
                1.0,
                move |x, y| shore + h * 0.03 * (x / w * f * std::f32::consts::TAU + ph).sin() - y,
            );
            if r.random_bool(0.6) {
                let (bx, by) = (w * r.random_range(0.2..0.8), h * (sea + 0.06));
                let s = w * 0.05;
                let hull = [
                    (bx - s, by),
                    (bx + s, by),
                    (bx + s * 0.7, by + s * 0.3),
                    (bx - s * 0.7, by + s * 0.3),
                ];
                c.fill(bounds(&hull), p[4], 1.0, 1.0, move |x, y| {
                    convex(x, y, &hull)
                });
                let sail = [
                    (bx, by - s * 1.6),
                    (bx + s * 0.8, by - s * 0.1),
                    (bx, by - s * 0.1),
                ];
                c.fill(bounds(&sail), [1.0; 3], 1.0, 1.0, move |x, y| {
                    convex(x, y, &sail)
                });
            }
        }
        // A skyline at dusk with lit windows.
        _ => {
            c.vertical_gradient(&[
                (0.0, shade(p[4], 0.1)),
                (0.45, vary(r, p[2], 0.1)),
                (0.75, shade(p[1], 0.3)),
            ]);
            let ground = h * r.random_range(0.78..0.86);
            let mut x = -w * 0.02;
            while x < w {
                let bw = w * r.random_range(0.07..0.15);
                let top = ground - h * r.random_range(0.15..0.5);
                let color = shade(p[4], r.random_range(-0.3..0.05));
                let (x0, x1) = (x, x + bw);
                c.fill((x0, top, x1, h), color, 1.0, 1.0, move |px, py| {
                    (x0 - px).max(px - x1).max(top - py)
                });
                let lit = hex(0xFFD98E);
                let mut wy = top + h * 0.03;
                while wy < ground - h * 0.03 {
                    let mut wx = x0 + bw * 0.18;
                    while wx < x1 - bw * 0.2 {
                        if r.random_bool(0.45) {
                            let s = w * 0.008;
                            let (cx, cy) = (wx, wy);
                            c.fill(
                                (cx - s, cy - s, cx + s, cy + s),
                                lit,
                                0.9,
                                1.0,
                                move |px, py| rounded_rect(px, py, cx, cy, s, s, 0.5, 0.0),
                            );
                        }
                        wx += bw * 0.28;
                    }
                    wy += h * 0.045;
                }
                x = x1 + w * r.random_range(0.0..0.02);
            }
            c.fill(
                (0.0, ground, w, h),
                shade(p[4], -0.4),
                1.0,
                1.0,
                move |_, py| ground - py,
            );
        }
    }
}

fn food(c: &mut Canvas, r: &mut ChaCha8Rng) {
    let p = palette(Niche::Food);
    let (w, h) = (c.wf(), c.hf());
    let table = pick(r, &[p[0], hex(0x5C677D), hex(0xB08968), hex(0x2F3E46)]);
    c.linear_gradient(
        shade(table, 0.08),
        shade(table, -0.1),
        r.random_range(0.0..3.1),
    );
    // Wood grain.
    let grain = r.random_range(18.0..34.0);
    c.each_in(0.0, 0.0, w, h, |x, y, px| {
        let s = ((y + 6.0 * (x / w * 9.0).sin()) / h * grain * std::f32::consts::TAU).sin();
        *px = shade(*px, s * 0.025);
    });
    let (cx, cy) = (
        w * r.random_range(0.42..0.58),
        h * r.random_range(0.42..0.58),
    );
    let pr = w * r.random_range(0.28..0.34);
    let plate = pick(r, &[hex(0xFAFAF7), hex(0xF1E9DA), hex(0xDDE5E4)]);
    shadow(c, (cx - pr, cy - pr, cx + pr, cy + pr), w * 0.04, |x, y| {
        circle(x, y, cx + w * 0.015, cy + w * 0.025, pr)
    });
    c.fill(
        (cx - pr, cy - pr, cx + pr, cy + pr),
        plate,
        1.0,
        1.0,
        |x, y| circle(x, y, cx, cy, pr),
    );
    let inner = pr * 0.78;
    c.fill(
        (cx - pr, cy - pr, cx + pr, cy + pr),
        shade(plate, -0.06),
        1.0,
        1.5,
        |x, y| ring(circle(x, y, cx, cy, inner), 1.2),
    );
    let foods = [
        p[2],
        p[3],
        p[4],
        hex(0xF4A261),
        hex(0x6A994E),
        hex(0xFFE8A3),
    ];
    let main = pick(r, &foods);
    // A heap in the middle, then pieces on top.
    c.fill(
        (cx - inner, cy - inner, cx + inner, cy + inner),
        shade(main, 0.1),
        1.0,
        2.0,
        |x, y| circle(x, y, cx, cy, inner * 0.62),
    );
    for _ in 0..r.random_range(7..14) {
        let a = r.random_range(0.0..std::f32::consts::TAU);
        let d = inner * r.random_range(0.0..0.55);
        let (fx, fy) = (cx + a.cos() * d, cy + a.sin() * d);
        let fr = w * r.random_range(0.018..0.045);
        let color = {
            let picked = pick(r, &foods);
            vary(r, picked, 0.12)
        };
        c.fill(
            (fx - fr, fy - fr, fx + fr, fy + fr),
            color,
            1.0,
            1.0,
            move |x, y| circle(x, y, fx, fy, fr),
        );
        c.glow(fx - fr * 0.3, fy - fr * 0.3, fr * 0.35, [1.0; 3], 0.25);
    }
    // A cup in a corner and a fork beside the plate.
    let (ux, uy) = (w * pick(r, &[0.14, 0.86]), h * pick(r, &[0.15, 0.85]));
    let ur = w * 0.09;
    shadow(c, (ux - ur, uy - ur, ux + ur, uy + ur), w * 0.03, |x, y| {
        circle(x, y, ux + w * 0.01, uy + w * 0.02, ur)
    });
    c.fill(
        (ux - ur, uy - ur, ux + ur, uy + ur),
        hex(0xFAFAF7),
        1.0,
        1.0,
        |x, y| circle(x, y, ux, uy, ur),
    );
    let drink = pick(r, &[hex(0x6F4E37), hex(0xC08552), hex(0xE9C46A)]);
    c.fill(
        (ux - ur, uy - ur, ux + ur, uy + ur),
        drink,
        1.0,
        1.0,
        |x, y| circle(x, y, ux, uy, ur * 0.72),
    );
    let fx = if cx > w * 0.5 {
        cx - pr - w * 0.07
    } else {
        cx + pr + w * 0.07
    };
    let (y0, y1) = (cy - pr * 0.8, cy + pr * 0.8);
    c.fill(
        (fx - 6.0, y0 - 6.0, fx + 6.0, y1 + 6.0),
        hex(0xC7C9CC),
        1.0,
        1.0,
        |x, y| capsule(x, y, (fx, y0), (fx, y1), w * 0.008),
    );
}

fn fitness(c: &mut Canvas, r: &mut ChaCha8Rng) {
    let p = palette(Niche::Fitness);
    let (w, h) = (c.wf(), c.hf());
    let (a, b) = (vary(r, p[0], 0.1), {
        let picked = pick(r, &[p[1], p[3], p[4]]);
        vary(r, picked, 0.08)
    });
    c.linear_gradient(a, b, r.random_range(0.4..1.2));
    // Bold stripes behind.
    for i in 0..3 {
        let off = w * (r.random_range(-0.3..0.3) + i as f32 * 0.35);
        c.fill((0.0, 0.0, w, h), [1.0; 3], 0.06, 1.0, move |x, y| {
            ((x + y * 0.6 - off - w * 0.3).abs()) - w * 0.06
        });
    }
    let (cx, cy) = (w * 0.5, h * r.random_range(0.45..0.58));
    let metal = pick(r, &[hex(0x2B2D42), hex(0x3D405B), hex(0x1B1B1E)]);
    match r.random_range(0..3) {
        // A dumbbell, turned.
        0 => {
            let ang = r.random_range(-0.6..0.6);
            let len = w * 0.3;
            let bar =
                move |x: f32, y: f32| rounded_rect(x, y, cx, cy, len, w * 0.02, w * 0.02, ang);
            let plates = move |x: f32, y: f32| {
                let (s, co) = ang.sin_cos();
                [-1.0f32, 1.0].iter().fold(f32::MAX, |d, side| {
                    let (px, py) = (cx + co * len * 0.8 * side, cy + s * len * 0.8 * side);
                    d.min(rounded_rect(
                        x,
                        y,
                        px,
                        py,
                        w * 0.05,
                        w * 0.14,
                        w * 0.03,
                        ang,
                    ))
                })
            };
            let bb = (cx - len * 1.2, cy - len, cx + len * 1.2, cy + len);
            shadow(c, bb, w * 0.04, move |x, y| {
                plates(x - w * 0.02, y - w * 0.04).min(bar(x - w * 0.02, y - w * 0.04))
            });
            c.fill(bb, hex(0xB8BCC2), 1.0, 1.0, bar);
            c.fill(bb, metal, 1.0, 1.0, plates);
        }
        // A kettlebell.
        1 => {
            let br = w * 0.2;
            let bell =
                move |x: f32, y: f32| circle(x, y, cx, cy + br * 0.3, br).max(y - (cy + br * 1.1));
            let handle = move |x: f32, y: f32| {
                ring(
                    ellipse(x, y, cx, cy - br * 0.75, br * 0.62, br * 0.6),
                    w * 0.025,
                )
            };
            let bb = (cx - br * 1.3, cy - br * 1.6, cx + br * 1.3, cy + br * 1.5);
            shadow(c, bb, w * 0.05, move |x, y| {
                bell(x - w * 0.02, y - w * 0.04)
            });
            c.fill(bb, metal, 1.0, 1.0, handle);
            c.fill(bb, metal, 1.0, 1.0, bell);
            c.glow(cx - br * 0.4, cy - br * 0.1, br * 0.3, [1.0; 3], 0.22);
        }
        // A running track from above.
        _ => {
            let track = pick(r, &[hex(0xC1440E), p[3]]);
            let (hw, hh) = (w * 0.38, h * 0.3);
            c.fill((0.0, 0.0, w, h), track, 1.0, 1.0, move |x, y| {
                ring(rounded_rect(x, y, cx, cy, hw, hh, hh, 0.0), w * 0.09)
            });
            for lane in 0..4 {
                let o = w * (-0.07 + lane as f32 * 0.047);
                c.fill((0.0, 0.0, w, h), [1.0; 3], 0.8, 1.0, move |x, y| {
                    ring(rounded_rect(x, y, cx, cy, hw + o, hh + o, hh + o, 0.0), 1.0)
                });
            }
        }
    }
}

fn fashion(c: &mut Canvas, r: &mut ChaCha8Rng) {
    let p = palette(Niche::Fashion);
    let (w, h) = (c.wf(), c.hf());
    c.linear_gradient(vary(r, p[0], 0.05), vary(r, p[1], 0.08), 1.57);
    // An arch (a mirror or a doorway) behind.
    let (ax, aw) = (w * r.random_range(0.4..0.6), w * r.random_range(0.26..0.34));
    let top = h * r.random_range(0.1..0.2);
    let arch = shade(p[1], r.random_range(-0.15..0.1));
    c.fill((ax - aw, top, ax + aw, h), arch, 1.0, 1.0, move |x, y| {
        rounded_rect(
            x,
            y,
            ax,
            (top + h) / 2.0 + h * 0.2,
            aw,
            (h - top) / 2.0 + h * 0.2,
            aw,
            0.0,
        )
    });
    let cloth = {
        let picked = pick(r, &[p[2], p[3], p[4], hex(0xF2CC8F), hex(0x81B29A)]);
        vary(r, picked, 0.1)
    };
    let (cx, sh) = (ax, h * r.random_range(0.3..0.36));
    // The hanger's hook and bar.
    c.fill(
        (cx - w * 0.2, sh - h * 0.12, cx + w * 0.2, sh + 4.0),
        hex(0x6B4F3A),
        1.0,
        1.0,
        move |x, y| {
            capsule(x, y, (cx - w * 0.17, sh), (cx, sh - h * 0.06), 2.0)
                .min(capsule(x, y, (cx + w * 0.17, sh), (cx, sh - h * 0.06), 2.0))
                .min(ring(circle(x, y, cx, sh - h * 0.09, h * 0.03), 1.6).max(y - (sh - h * 0.08)))
        },
    );
    if r.random_bool(0.5) {
        // A shirt: body and sleeves.
        let body = [
            (cx - w * 0.15, sh),
            (cx + w * 0.15, sh),
            (cx + w * 0.13, sh + h * 0.42),
            (cx - w * 0.13, sh + h * 0.42),
        ];
        let sleeves = move |x: f32, y: f32| {
            rounded_rect(
                x,
                y,
                cx - w * 0.18,
                sh + h * 0.1,
                w * 0.04,
                h * 0.12,
                w * 0.02,
                0.35,
            )
            .min(rounded_rect(
                x,
                y,
                cx + w * 0.18,
                sh + h * 0.1,
                w * 0.04,
                h * 0.12,
                w * 0.02,
                -0.35,
            ))
        };
        let bb = (cx - w * 0.3, sh - 4.0, cx + w * 0.3, sh + h * 0.45);
        shadow(c, bb, w * 0.03, move |x, y| {
            convex(x - w * 0.015, y - w * 0.02, &body).min(sleeves(x - w * 0.015, y - w * 0.02))
        });
        c.fill(bb, shade(cloth, -0.08), 1.0, 1.0, sleeves);
        c.fill(bb, cloth, 1.0, 1.0, move |x, y| convex(x, y, &body));
        for i in 0..4 {
            let by = sh + h * (0.08 + i as f32 * 0.08);
            c.fill(
                (cx - 6.0, by - 6.0, cx + 6.0, by + 6.0),
                shade(cloth, 0.4),
                1.0,
                1.0,
                move |x, y| circle(x, y, cx, by, w * 0.008),
            );
        }
    } else {
        // A dress.
        let dress = [
            (cx - w * 0.1, sh),
            (cx + w * 0.1, sh),
            (cx + w * 0.08, sh + h * 0.14),
            (cx + w * 0.22, sh + h * 0.55),
            (cx - w * 0.22, sh + h * 0.55),
            (cx - w * 0.08, sh + h * 0.14),
        ];
        let bb = bounds(&dress);
        shadow(c, bb, w * 0.03, move |x, y| {
            convex(x - w * 0.015, y - w * 0.02, &dress[..3]).min(convex(
                x - w * 0.015,
                y - w * 0.02,
                &[dress[2], dress[3], dress[4], dress[5]],
            ))
        });
        c.fill(bb, cloth, 1.0, 1.0, move |x, y| {
            convex(x, y, &[dress[0], dress[1], dress[2], dress[5]]).min(convex(
                x,
                y,
                &[dress[5], dress[2], dress[3], dress[4]],
            ))
        });
        c.fill(bb, shade(cloth, -0.2), 1.0, 1.0, move |x, y| {
            rounded_rect(x, y, cx, sh + h * 0.145, w * 0.085, h * 0.012, 2.0, 0.0)
        });
    }
    // A plant in the corner.
    let (px, py) = (w * pick(r, &[0.12, 0.88]), h * 0.86);
    let leaf = hex(0x588157);
    for i in 0..5 {
        let a = -1.2 + i as f32 * 0.6;
        let (lx, ly) = (px + a.sin() * w * 0.06, py - h * 0.12 - a.cos() * h * 0.05);
        c.fill(
            (lx - w * 0.08, ly - w * 0.08, lx + w * 0.08, ly + w * 0.08),
            shade(leaf, i as f32 * 0.05),
            1.0,
            1.0,
            move |x, y| rounded_rect(x, y, lx, ly, w * 0.02, h * 0.06, w * 0.02, a),
        );
    }
    let pot = [
        (px - w * 0.06, py - h * 0.06),
        (px + w * 0.06, py - h * 0.06),
        (px + w * 0.045, py + h * 0.06),
        (px - w * 0.045, py + h * 0.06),
    ];
    c.fill(bounds(&pot), hex(0xC9794F), 1.0, 1.0, move |x, y| {
        convex(x, y, &pot)
    });
}

fn beauty(c: &mut Canvas, r: &mut ChaCha8Rng) {
    let p = palette(Niche::Beauty);
    let (w, h) = (c.wf(), c.hf());
    c.linear_gradient(
        vary(r, p[0], 0.05),
        vary(r, p[1], 0.08),
        r.random_range(0.5..2.5),
    );
    for _ in 0..r.random_range(5..9) {
        let (bx, by) = (w * r.random_range(0.0..1.0), h * r.random_range(0.0..0.6));
        c.glow(
            bx,
            by,
            w * r.random_range(0.04..0.1),
            [1.0; 3],
            r.random_range(0.15..0.35),
        );
    }
    let shelf = h * r.random_range(0.74..0.8);
    c.fill(
        (0.0, shelf, w, h),
        shade(p[2], 0.2),
        1.0,
        1.0,
        move |_, y| shelf - y,
    );
    let mut x = w * r.random_range(0.18..0.26);
    for _ in 0..3 {
        let bw = w * r.random_range(0.06..0.1);
        let bh = h * r.random_range(0.16..0.32);
        let (cx, cy) = (x, shelf - bh);
        let glass = {
            let picked = pick(r, &[p[3], p[4], hex(0xFFFFFF), hex(0xE9D8A6)]);
            vary(r, picked, 0.08)
        };
        let cap = pick(r, &[hex(0xD4AF37), hex(0x2B2B2B), hex(0xF7F7F7)]);
        let bb = (cx - bw * 1.4, cy - h * 0.12, cx + bw * 1.4, shelf);
        shadow(c, bb, w * 0.025, move |px, py| {
            rounded_rect(
                px,
                py,
                cx + w * 0.02,
                cy + bh / 2.0,
                bw,
                bh / 2.0,
                bw * 0.35,
                0.0,
            )
        });
        c.fill(bb, glass, 1.0, 1.0, move |px, py| {
            rounded_rect(px, py, cx, cy + bh / 2.0, bw, bh / 2.0, bw * 0.35, 0.0)
        });
        c.fill(bb, shade(glass, 0.5), 0.7, 1.0, move |px, py| {
            rounded_rect(
                px,
                py,
                cx - bw * 0.55,
                cy + bh / 2.0,
                bw * 0.12,
                bh * 0.35,
                bw * 0.1,
                0.0,
            )
        });
        let capped = h * r.random_range(0.05..0.1);
        c.fill(bb, cap, 1.0, 1.0, move |px, py| {
            rounded_rect(
                px,
                py,
                cx,
                cy - capped / 2.0,
                bw * 0.45,
                capped / 2.0,
                bw * 0.12,
                0.0,
            )
        });
        x += bw * 2.0 + w * r.random_range(0.04..0.1);
    }
    // A jar at the end of the row.
    let jw = w * 0.11;
    let (jx, jy) = (x.min(w - jw * 1.2), shelf - h * 0.07);
    c.fill(
        (jx - jw, jy - h * 0.1, jx + jw, shelf),
        hex(0xFFF5EE),
        1.0,
        1.0,
        move |px, py| rounded_rect(px, py, jx, jy, jw, h * 0.07, w * 0.02, 0.0),
    );
    c.fill(
        (jx - jw, jy - h * 0.12, jx + jw, jy),
        pick(r, &[p[4], hex(0xD4AF37)]),
        1.0,
        1.0,
        move |px, py| {
            rounded_rect(
                px,
                py,
                jx,
                jy - h * 0.075,
                jw * 1.02,
                h * 0.025,
                w * 0.01,
                0.0,
            )
        },
    );
}

fn tech(c: &mut Canvas, r: &mut ChaCha8Rng) {
    let p = palette(Niche::Tech);
    let (w, h) = (c.wf(), c.hf());
    c.linear_gradient(
        vary(r, p[0], 0.05),
        vary(r, p[1], 0.1),
        r.random_range(0.8..2.4),
    );
    let desk = h * r.random_range(0.7..0.76);
    c.fill((0.0, desk, w, h), hex(0x3A2E2A), 1.0, 1.0, move |_, y| {
        desk - y
    });
    let (mx, mw, mh) = (
        w * r.random_range(0.42..0.58),
        w * r.random_range(0.28..0.34),
        h * 0.2,
    );
    let my = desk - h * 0.34;
    let accent = pick(r, &[p[2], p[3], p[4]]);
    c.glow(mx, my, w * 0.3, accent, 0.25);
    // Stand, then the monitor and its screen.
    c.fill(
        (mx - w * 0.1, my, mx + w * 0.1, desk),
        hex(0x2E3440),
        1.0,
        1.0,
        move |x, y| {
            rounded_rect(x, y, mx, my + mh, w * 0.02, mh, 2.0, 0.0).min(rounded_rect(
                x,
                y,
                mx,
                desk - h * 0.01,
                w * 0.08,
                h * 0.01,
                3.0,
                0.0,
            ))
        },
    );
    c.fill(
        (mx - mw, my - mh, mx + mw, my + mh),
        hex(0x1E1E24),
        1.0,
        1.0,
        move |x, y| rounded_rect(x, y, mx, my, mw, mh, w * 0.015, 0.0),
    );
    let (sa, sb) = (shade(accent, -0.2), pick(r, &[p[4], p[2]]));
    c.each_in(mx - mw, my - mh, mx + mw, my + mh, |x, y, px| {
        let d = rounded_rect(x, y, mx, my, mw * 0.94, mh * 0.9, w * 0.008, 0.0);
        if d < 0.5 {
            let t = (x - (mx - mw)) / (2.0 * mw) * 0.7 + (y - (my - mh)) / (2.0 * mh) * 0.3;
            *px = mix(*px, mix(sa, sb, t), (0.5 - d).clamp(0.0, 1.0));
        }
    });
    // Windows on the screen.
    for i in 0..r.random_range(2..4) {
        let (wx, wy) = (
            mx - mw * 0.5 + i as f32 * mw * 0.35,
            my - mh * 0.25 + i as f32 * mh * 0.18,
        );
        c.fill(
            (wx - mw * 0.35, wy - mh * 0.4, wx + mw * 0.35, wy + mh * 0.4),
            hex(0xF0F4F8),
            0.85,
            1.0,
            move |x, y| rounded_rect(x, y, wx, wy, mw * 0.3, mh * 0.33, 3.0, 0.0),
        );
    }
    // A keyboard of keys.
    let (kx, ky, kw, kh) = (mx, desk + h * 0.09, w * 0.26, h * 0.045);
    c.fill(
        (kx - kw, ky - kh, kx + kw, ky + kh),
        hex(0xD8DEE9),
        1.0,
        1.0,
        move |x, y| rounded_rect(x, y, kx, ky, kw, kh, 4.0, 0.0),
    );
    let key = hex(0xECEFF4);
    for row in 0..3 {
        for col in 0..12 {
            let (cx, cy) = (
                kx - kw * 0.9 + col as f32 * kw * 0.163,
                ky - kh * 0.55 + row as f32 * kh * 0.55,
            );
            c.fill(
                (cx - 8.0, cy - 6.0, cx + 8.0, cy + 6.0),
                key,
                1.0,
                1.0,
                move |x, y| rounded_rect(x, y, cx, cy, kw * 0.065, kh * 0.2, 1.5, 0.0),
            );
        }
    }
    // A mug.
    let (ux, uy) = (w * pick(r, &[0.12, 0.88]), desk - h * 0.06);
    c.fill(
        (ux - w * 0.08, uy - h * 0.08, ux + w * 0.08, desk),
        pick(r, &[p[2], hex(0xF2E9E4)]),
        1.0,
        1.0,
        move |x, y| {
            rounded_rect(x, y, ux, uy, w * 0.045, h * 0.06, 4.0, 0.0)
                .min(ring(circle(x, y, ux + w * 0.05, uy, h * 0.025), 2.5))
        },
    );
}

/// A profile picture: the niche's colours behind a person's silhouette or a brand's mark.
pub fn avatar(niche: Niche, person: bool, r: &mut ChaCha8Rng, size: usize) -> Canvas {
    let p = palette(niche);
    let mut c = Canvas::new(size, size, p[0]);
    let (w, h) = (c.wf(), c.hf());
    let (a, b) = match niche {
        Niche::Tech => (p[1], p[2]),
        Niche::Food | Niche::Fashion | Niche::Beauty => (p[1], p[2]),
        _ => (p[0], p[1]),
    };
    c.linear_gradient(vary(r, a, 0.08), vary(r, b, 0.08), r.random_range(0.3..1.3));
    c.glow(w * 0.3, h * 0.25, w * 0.35, [1.0; 3], 0.25);
    if person {
        // A flat portrait: shoulders in a colour of the niche, neck, face, hair.
        let skin = pick(
            r,
            &[0xFFDBAC, 0xF1C27D, 0xE0AC69, 0xC68642, 0x8D5524, 0xD9A066],
        );
        let hair = pick(
            r,
            &[0x2C1B10, 0x4B2E1A, 0x0F0D0B, 0xA56B46, 0xD6B370, 0x8D4A43],
        );
        let (skin, hair) = (hex(skin), hex(hair));
        let shirt = {
            let picked = pick(r, &[p[2], p[3], p[4], hex(0xF4F1DE)]);
            vary(r, picked, 0.1)
        };
        let long_hair = r.random_bool(0.5);
        let (cx, hy, hr) = (w * 0.5, h * 0.42, w * 0.15);
        if long_hair {
            c.fill((0.0, 0.0, w, h), hair, 1.0, 1.0, move |x, y| {
                rounded_rect(
                    x,
                    y,
                    cx,
                    hy + hr * 0.55,
                    hr * 1.22,
                    hr * 1.45,
                    hr * 1.1,
                    0.0,
                )
            });
        }
        c.fill((0.0, 0.0, w, h), shirt, 1.0, 1.0, move |x, y| {
            ellipse(x, y, cx, h * 1.02, w * 0.34, h * 0.3)
        });
        c.fill(
            (0.0, 0.0, w, h),
            shade(skin, -0.08),
            1.0,
            1.0,
            move |x, y| rounded_rect(x, y, cx, hy + hr * 1.3, hr * 0.38, hr * 0.85, hr * 0.2, 0.0),
        );
        c.fill((0.0, 0.0, w, h), skin, 1.0, 1.0, move |x, y| {
            circle(x, y, cx, hy, hr)
        });
        c.fill((0.0, 0.0, w, h), hair, 1.0, 1.0, move |x, y| {
            circle(x, y, cx, hy - hr * 0.08, hr * 1.08).max(y - (hy - hr * 0.3))
        });
    } else {
        // A mark of 5 × 5 cells, mirrored left to right.
        let ink = [1.0; 3];
        let cell = w * 0.11;
        let origin = (w - cell * 5.0) / 2.0;
        let mut on = [[false; 5]; 5];
        for row in on.iter_mut() {
            for col in 0..3 {
                let v = r.random_bool(0.55);
                row[col] = v;
                row[4 - col] = v;
            }
        }
        on[2][2] = true;
        for (ri, row) in on.iter().enumerate() {
            for (ci, lit) in row.iter().enumerate() {
                if *lit {
                    let (cx, cy) = (
                        origin + (ci as f32 + 0.5) * cell,
                        origin + (ri as f32 + 0.5) * cell,
                    );
                    c.fill(
                        (cx - cell, cy - cell, cx + cell, cy + cell),
                        ink,
                        0.92,
                        1.0,
                        move |x, y| {
                            rounded_rect(x, y, cx, cy, cell * 0.44, cell * 0.44, cell * 0.18, 0.0)
                        },
                    );
                }
            }
        }
    }
    c
}
