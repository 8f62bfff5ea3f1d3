//! Pictures of demo accounts, drawn here rather than fetched: a profile picture per persona
//! and an image per post, deterministic (the same URL is always the same bytes) and in the
//! persona's niche. The demo source names them with `demo:` URLs (`demo://avatar/{username}`,
//! `demo://post/{username}/{index}`); the media proxy registers those like CDN URLs and, on
//! the first request for their `/media/{id}`, draws the PNG into its disk cache instead of
//! fetching — so pages and API clients get demo pictures exactly as they get real ones.

mod canvas;
mod scenes;

use url::Url;

use super::{persona::Persona, rng};
use crate::source::Username;

/// Profile pictures are square, this many pixels a side.
pub const AVATAR_SIZE: u32 = 240;
/// Post images are square, this many pixels a side.
pub const POST_SIZE: u32 = 480;

const SCHEME: &str = "demo";

pub fn avatar_url(username: &str) -> String {
    format!("{SCHEME}://avatar/{username}")
}

pub fn post_url(username: &str, index: usize) -> String {
    format!("{SCHEME}://post/{username}/{index}")
}

/// A picture the demo source named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Picture {
    Avatar(Username),
    Post(Username, usize),
}

impl Picture {
    /// The picture a `demo:` URL names; `None` for any other URL.
    pub fn from_url(url: &Url) -> Option<Picture> {
        if url.scheme() != SCHEME {
            return None;
        }
        let mut parts = url.path().trim_start_matches('/').split('/');
        let username = Username::parse(parts.next()?).ok()?;
        let picture = match url.host_str()? {
            "avatar" => Picture::Avatar(username),
            "post" => Picture::Post(username, parts.next()?.parse().ok()?),
            _ => return None,
        };
        parts.next().is_none().then_some(picture)
    }

    pub fn size(&self) -> u32 {
        match self {
            Picture::Avatar(_) => AVATAR_SIZE,
            Picture::Post(..) => POST_SIZE,
        }
    }

    /// The picture as 8-bit RGB rows.
    pub fn draw(&self) -> Vec<u8> {
        let size = self.size() as usize;
        match self {
            Picture::Avatar(username) => {
                let persona = Persona::of(username);
                let mut r = rng(&["avatar", username.as_str()]);
                scenes::avatar(persona.niche, persona.person, &mut r, size).to_rgb8()
            }
            Picture::Post(username, index) => {
                let persona = Persona::of(username);
                let mut r = rng(&["picture", username.as_str(), &index.to_string()]);
                scenes::post(persona.niche, &mut r, size).to_rgb8()
            }
        }
    }

    /// The picture as a PNG file. CPU work of a few milliseconds: call it off the async
    /// executor (`spawn_blocking`).
    pub fn png(&self) -> Result<Vec<u8>, png::EncodingError> {
        let size = self.size();
        let rgb = self.draw();
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, size, size);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Fast);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&rgb)?;
        writer.finish()?;
        Ok(out)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::time::Instant;

    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn demo_urls_name_pictures_and_nothing_else() {
        let mia = Username::parse("demo.travel.mia").unwrap();
        assert_eq!(
            Picture::from_url(&url(&avatar_url("demo.travel.mia"))),
            Some(Picture::Avatar(mia.clone()))
        );
        assert_eq!(
            Picture::from_url(&url(&post_url("demo.travel.mia", 12))),
            Some(Picture::Post(mia, 12))
        );
        for other in [
            "https://scontent.cdninstagram.com/v/x.jpg",
            "demo://avatar/",
            "demo://post/demo.travel.mia",
            "demo://post/demo.travel.mia/x",
            "demo://post/demo.travel.mia/1/2",
            "demo://banner/demo.travel.mia",
            "demo://avatar/bad..name",
        ] {
            assert_eq!(Picture::from_url(&url(other)), None, "{other}");
        }
    }

    /// Decodes a PNG: (width, height, RGB bytes).
    fn decode(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        buf.truncate(info.buffer_size());
        (info.width, info.height, buf)
    }

    #[test]
    fn every_niche_draws_varied_deterministic_pngs() {
        let names = [
            "demo.travel.mia",
            "demo.fit.leon",
            "demo.kitchen.sofia",
            "demo.style.chloe",
            "demo.beauty.giulia",
            "demo.tech.lucas",
            "demo.wanderlust.co",
        ];
        for name in names {
            let u = Username::parse(name).unwrap();
            for picture in [
                Picture::Avatar(u.clone()),
                Picture::Post(u.clone(), 0),
                Picture::Post(u.clone(), 1),
                Picture::Post(u.clone(), 2),
            ] {
                let started = Instant::now();
                let bytes = picture.png().unwrap();
                println!(
                    "{picture:?}: {} bytes in {:.1} ms",
                    bytes.len(),
                    started.elapsed().as_secs_f64() * 1000.0
                );
                assert_eq!(bytes, picture.png().unwrap(), "deterministic");
                let (w, h, rgb) = decode(&bytes);
                assert_eq!((w, h), (picture.size(), picture.size()));
                // Not a flat fill: many distinct colours.
                let distinct: std::collections::HashSet<&[u8]> = rgb.chunks(3).collect();
                assert!(
                    distinct.len() > 200,
                    "{picture:?}: {} colours",
                    distinct.len()
                );
            }
            let a = Picture::Post(u.clone(), 0).png().unwrap();
            let b = Picture::Post(u, 1).png().unwrap();
            assert_ne!(a, b, "{name}: posts differ");
        }
    }
}
