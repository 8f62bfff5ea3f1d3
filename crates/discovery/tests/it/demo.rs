//! Demo creators: seeded into the demo pool with analysed posts and search rows, labelled,
//! and seeding again doubles nothing.

use chrono::Utc;
use discovery::model::creator;
use discovery::service::search::{self, Filters};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::app;

#[tokio::test]
async fn demo_creators_are_seeded_analysed_indexed_and_kept_apart() {
    let app = app().await;
    let started = std::time::Instant::now();
    let seeded = discovery::demo::seed(&app.state, 24, |_| {}).await.unwrap();
    eprintln!("24 demo creators in {:?}", started.elapsed());
    assert_eq!(seeded.creators, 24);
    assert!(seeded.posts_analysed > 24, "{seeded:?}");
    let rows = creator::Entity::find().all(&app.state.db).await.unwrap();
    assert_eq!(rows.len(), 24);
    assert!(rows.iter().all(|c| c.pool == "demo" && c.source == "demo"));
    assert!(
        rows.iter()
            .all(|c| c.posts_counted > 0 && c.engagement_rate.is_some())
    );
    assert!(rows.iter().filter(|c| c.growth_30d.is_some()).count() >= 20);
    assert!(
        rows.iter().filter(|c| c.category.is_some()).count() >= 12,
        "posts are analysed"
    );
    assert!(rows.iter().filter(|c| c.language.is_some()).count() >= 12);
    let languages: std::collections::BTreeSet<_> =
        rows.iter().filter_map(|c| c.language.clone()).collect();
    assert!(languages.len() >= 2, "{languages:?}");

    // Again: the same creators, refreshed.
    discovery::demo::seed(&app.state, 24, |_| {}).await.unwrap();
    assert_eq!(
        creator::Entity::find().count(&app.state.db).await.unwrap(),
        24
    );

    // Found in the demo pool only.
    let live = search::run(&app.state.db, "live", &Filters::default(), Utc::now())
        .await
        .unwrap();
    assert_eq!(live.total, 0);
    let food = search::run(
        &app.state.db,
        "demo",
        &Filters {
            q: Some("food".into()),
            ..Default::default()
        },
        Utc::now(),
    )
    .await
    .unwrap();
    assert!(
        food.total >= 4,
        "the food niche's usernames say food: {}",
        food.total
    );
    let verified = creator::Entity::find()
        .filter(creator::Column::IsBusiness.eq(true))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(verified, 24, "demo profiles are business accounts");
}

#[tokio::test]
async fn demo_creators_plan_no_refresh_nobody_asked_for() {
    let app = app().await;
    discovery::demo::seed(&app.state, 3, |_| {}).await.unwrap();
    let planned = instagram::model::profile::Entity::find()
        .filter(instagram::model::profile::Column::NextRefreshAt.is_not_null())
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(
        planned, 0,
        "the refresh scheduler must not find unused demo creators due"
    );
}
