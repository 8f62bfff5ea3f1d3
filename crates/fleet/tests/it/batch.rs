//! Claims and completions served together in one transaction (`tasks::batch::together`, what
//! the worker API's combiner runs): each claimant gets its own task or none, each completion
//! its own answer — a foreign, repeated or late one is refused without touching the others —
//! and content picked for a batch rotates through a pool as if picked one after the other.

use fleet::model::{account, event, image, task};
use fleet::service::{
    content::pick,
    tasks::{self, Claimant, Completion, Done, batch},
    workers,
};
use platform::{Error, Scope};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    sea_query::Expr,
};
use uuid::Uuid;

use crate::{accounts, app, customer, queue, set_settings};

async fn claimants(app: &platform::testkit::TestApp, ws: Uuid, n: usize) -> Vec<Claimant> {
    let mut out = Vec::new();
    for i in 0..n {
        let (w, _) =
            workers::create_in(&app.state.db, &Scope::for_test(ws), &format!("b{i}"), None)
                .await
                .unwrap();
        out.push(workers::claimant(&w, Some(format!("session-{i}"))));
    }
    out
}

fn worker_id(c: &Claimant) -> Uuid {
    match c {
        Claimant::Worker { id, .. } => *id,
        Claimant::Operator { .. } => panic!("a worker"),
    }
}

fn done() -> Done {
    Done {
        execution_time_ms: Some(12),
        instagram_response: Some(serde_json::json!({"ok": true})),
    }
}

#[tokio::test]
async fn a_batch_hands_each_claimant_its_own_task_and_answers_each_completion() {
    let app = app().await;
    let (_, ws) = customer(&app, "ana@example.com", "Ana Agency").await;
    let scope = Scope::for_test(ws);
    let db = &app.state.db;
    set_settings(&app, ws, 2, 3, 600).await;
    let ids = accounts(&app, ws, "batch", 3, "proxy_assigned").await;
    queue(&app, ws, &ids).await;
    let cs = claimants(&app, ws, 4).await;

    // Four claimants, three due tasks: three distinct tasks, the fourth gets none.
    let (_, claimed) = batch::together(db, &scope, &[], &cs).await.unwrap();
    assert_eq!(claimed.len(), 4);
    let (a, b, c) = (
        claimed[0].clone().unwrap(),
        claimed[1].clone().unwrap(),
        claimed[2].clone().unwrap(),
    );
    assert!(claimed[3].is_none());
    let mut distinct: Vec<Uuid> = [&a, &b, &c].iter().map(|x| x.task.id).collect();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 3);
    for (c, got) in [(&cs[0], &a), (&cs[1], &b), (&cs[2], &c)] {
        let t = tasks::find_in(db, &scope, got.task.id).await.unwrap();
        assert_eq!(t.status, "in_progress");
        assert_eq!(t.worker_id, Some(worker_id(c)));
        assert_eq!(t.claims, 1);
        assert!(t.content_used.is_some(), "the content picked is kept");
        let acc = account::Entity::find_by_id(got.account.id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(acc.state, "warming_up", "the first claim starts warm-up");
        assert_eq!(got.account.state, "warming_up", "the answer says so too");
        let started = event::Entity::find()
            .filter(event::Column::AccountId.eq(acc.id))
            .filter(event::Column::ToState.eq("warming_up"))
            .all(db)
            .await
            .unwrap();
        assert_eq!(started.len(), 1);
        assert_eq!(
            started[0].actor_id,
            Some(worker_id(c)),
            "by the worker that took it"
        );
    }

    // Let b's lease run out: its completion comes too late.
    task::Entity::update_many()
        .col_expr(
            task::Column::LeaseExpiresAt,
            Expr::value(platform::db::now() - chrono::Duration::seconds(1)),
        )
        .filter(task::Column::Id.eq(b.task.id))
        .exec(db)
        .await
        .unwrap();
    let ask = |task_id: Uuid, c: &Claimant| Completion {
        task_id,
        claimant: c.clone(),
        done: done(),
    };
    let asked = [
        ask(c.task.id, &cs[0]),      // another worker's task
        ask(a.task.id, &cs[0]),      // its own
        ask(a.task.id, &cs[0]),      // the same again
        ask(b.task.id, &cs[1]),      // lease ran out
        ask(Uuid::now_v7(), &cs[3]), // no such task
    ];
    let (answers, _) = batch::together(db, &scope, &asked, &[]).await.unwrap();
    let conflict = |i: usize, words: &str| match &answers[i] {
        Err(Error::Conflict(m)) => assert!(m.contains(words), "{i}: {m}"),
        other => panic!("{i}: expected a conflict, got {other:?}"),
    };
    conflict(0, "held by another worker");
    let ok = answers[1].as_ref().unwrap();
    assert_eq!(ok.task_id, a.task.id);
    assert_eq!(ok.next_step, Some(2));
    assert_eq!(ok.account_state, "warming_up");
    conflict(2, "no longer in progress");
    conflict(3, "lease expired");
    assert!(matches!(answers[4], Err(Error::NotFound)));

    let t = tasks::find_in(db, &scope, a.task.id).await.unwrap();
    assert_eq!(t.status, "completed");
    assert_eq!(t.execution_time_ms, Some(12));
    assert_eq!(t.worker_id, Some(worker_id(&cs[0])));
    let steps = tasks::of_account(db, &scope, a.account.id).await.unwrap();
    assert_eq!(steps.len(), 2, "step 2 queued once: {steps:?}");
    assert_eq!(
        (steps[0].step_number, steps[0].status.as_str()),
        (2, "pending")
    );
    let acc = account::Entity::find_by_id(a.account.id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(acc.warmup_step, Some(2));
    assert_eq!(
        acc.last_worker_id,
        Some(worker_id(&cs[0])),
        "the worker that answered"
    );
    assert!(acc.last_worker_action_at.is_some());
    for (x, holder) in [(&b, &cs[1]), (&c, &cs[2])] {
        let t = tasks::find_in(db, &scope, x.task.id).await.unwrap();
        assert_eq!(t.status, "in_progress", "a refused answer changed nothing");
        assert_eq!(t.worker_id, Some(worker_id(holder)));
    }

    // Claim b again (its lease ran out) and a's step 2 in one batch, complete both together:
    // b moves to step 2, a finishes warm-up.
    let (_, again) = batch::together(db, &scope, &[], &cs[..2]).await.unwrap();
    let again: Vec<_> = again.into_iter().map(Option::unwrap).collect();
    assert_eq!(again[0].task.id, b.task.id, "an expired lease comes first");
    assert_eq!(again[0].task.claims, 2);
    assert_eq!(again[1].task.step_number, 2);
    let (answers, _) = batch::together(
        db,
        &scope,
        &[ask(again[0].task.id, &cs[0]), ask(again[1].task.id, &cs[1])],
        &[],
    )
    .await
    .unwrap();
    let outcomes: Vec<_> = answers.into_iter().map(Result::unwrap).collect();
    assert_eq!(outcomes[0].next_step, Some(2));
    assert_eq!(outcomes[1].account_state, "ready");
    assert_eq!(outcomes[1].next_step, None);
    let ready = account::Entity::find_by_id(a.account.id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ready.state, "ready");
    assert!(ready.warmup_completed_at.is_some());
    assert_eq!(ready.warmup_step, None);
    let finished = event::Entity::find()
        .filter(event::Column::AccountId.eq(a.account.id))
        .filter(event::Column::ToState.eq("ready"))
        .count(db)
        .await
        .unwrap();
    assert_eq!(finished, 1);
}

#[tokio::test]
async fn content_picked_for_a_batch_rotates_as_if_picked_one_by_one() {
    let app = app().await;
    let (_, ws) = customer(&app, "ana@example.com", "Ana Agency").await;
    let scope = Scope::for_test(ws);
    let db = &app.state.db;
    let now = platform::db::now();
    // Three generic profile pictures: two of priority 10 (one used once already), one of 0.
    let mut made = Vec::new();
    for (priority, used, age) in [(10, 1, 3), (10, 0, 2), (0, 0, 1)] {
        let id = Uuid::now_v7();
        image::Entity::insert(image::ActiveModel {
            id: Set(id),
            workspace_id: Set(ws),
            persona_id: Set(None),
            kind: Set("pfp".into()),
            mime: Set("image/png".into()),
            byte_size: Set(1),
            sha256: Set(format!("{id}")),
            filename: Set("p.png".into()),
            text_content: Set(None),
            is_template: Set(false),
            order_priority: Set(priority),
            usage_count: Set(used),
            created_at: Set(now - chrono::Duration::minutes(age)),
        })
        .exec_without_returning(db)
        .await
        .unwrap();
        made.push(id);
    }
    let want = pick::Want {
        persona_id: None,
        image_kind: Some("pfp"),
        text_kind: None,
    };
    let together: Vec<Uuid> = pick::for_steps(db, &scope, &[want; 5])
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.image.unwrap().id)
        .collect();
    // Priority first; among equals the least used, then the oldest: 1, 0, 1, 0, 1.
    assert_eq!(together, [made[1], made[0], made[1], made[0], made[1]]);
    let uses: Vec<i64> = image::Entity::find()
        .filter(image::Column::WorkspaceId.eq(ws))
        .order_by_asc(image::Column::CreatedAt)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.usage_count)
        .collect();
    assert_eq!(uses, [3, 3, 0], "every use counted once");
    // The same picks one at a time continue the same rotation.
    let next = pick::for_step(db, &scope, None, Some("pfp"), None)
        .await
        .unwrap()
        .image
        .unwrap()
        .id;
    assert_eq!(next, made[0], "equal uses: the oldest");
}
