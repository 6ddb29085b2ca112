//! Organisations and their members.

use crate::error::{Result, ServiceError};
use algoreg_domain::audit::AuditKind;
use algoreg_domain::org::{is_valid_code, OrgType, PublicationFlow, Role};
use algoreg_domain::workflow::Principal;
use algoreg_store::{NewInvitation, NewOrganisation, OrgId, Organisation, Store, UserId};

pub struct Orgs<'a> {
    pub(crate) store: &'a dyn Store,
    /// The site's public address, for links in e-mail.
    pub public_url: &'a str,
    /// The identity providers (an organisation can require single sign-on where one serves it).
    pub sso: &'a crate::sso::SsoState,
}

/// What adding someone did.
#[derive(Debug, PartialEq)]
pub enum Added {
    /// A new account, with its temporary password (shown once, to be changed at first login).
    NewAccount(String),
    /// The account existed: it is invited and joins once its holder accepts.
    Invited,
    /// The caller's own account: the role is added at once.
    Own,
    /// A new account without a password, in an organisation that requires single sign-on: the person
    /// logs in through the organisation's identity provider (an e-mail says so).
    SingleSignOn,
}

/// How long an invitation can be accepted.
pub const INVITATION_DAYS: i64 = 14;

/// Checks an organisation before it is stored; every failing field at once.
pub fn check_new_organisation(org: &NewOrganisation) -> Result<()> {
    let mut errors = vec![];
    if !is_valid_code(&org.code) {
        errors.push(("code", "2 tot 64 kleine letters, cijfers, - of _.", "2 to 64 lowercase letters, digits, - or _."));
    }
    if org.name.trim().is_empty() || org.name.chars().count() > 200 {
        errors.push(("name", "Geef een naam van 1 tot 200 tekens.", "Give a name of 1 to 200 characters."));
    }
    if let Some(t) = &org.tooi {
        if !t.starts_with("https://identifier.overheid.nl/tooi/") || t.len() > 300 {
            errors.push((
                "tooi",
                "Een TOOI-URI begint met https://identifier.overheid.nl/tooi/.",
                "A TOOI URI starts with https://identifier.overheid.nl/tooi/.",
            ));
        }
    }
    if org.about.as_ref().is_some_and(|a| a.chars().count() > 5000) {
        errors.push(("about", "Hoogstens 5000 tekens.", "At most 5000 characters."));
    }
    if org.contact.as_ref().is_some_and(|c| c.chars().count() > 500) {
        errors.push(("contact", "Hoogstens 500 tekens.", "At most 500 characters."));
    }
    match errors.first() {
        None => Ok(()),
        Some((f, nl, en)) => Err(ServiceError::bad(*f, *nl, *en)),
    }
}

impl Orgs<'_> {
    pub async fn create(&self, actor: &Principal, org: NewOrganisation) -> Result<Organisation> {
        if !actor.central_operator {
            return Err(ServiceError::forbidden(
                "Alleen de centrale beheerder maakt organisaties aan.",
                "Only the central operator creates organisations.",
            ));
        }
        check_new_organisation(&org)?;
        Ok(self.store.create_organisation(&org).await?)
    }

    pub async fn by_code(&self, code: &str) -> Result<Organisation> {
        self.store.organisation_by_code(code).await?.ok_or(ServiceError::NotFound("organisation"))
    }

    /// Changes name, type, flow, about and contact; organisation admins and the central operator.
    pub async fn update(&self, actor: &Principal, org: Organisation) -> Result<()> {
        if !(actor.central_operator || actor.has(org.id, Role::OrgAdmin)) {
            return Err(ServiceError::forbidden(
                "Alleen de beheerder van de organisatie mag dit.",
                "Only the organisation's admin may do this.",
            ));
        }
        check_new_organisation(&NewOrganisation {
            code: org.code.clone(),
            name: org.name.clone(),
            org_type: org.org_type,
            tooi: org.tooi.clone(),
            relations: Default::default(),
            flow: org.flow,
            about: org.about.clone(),
            contact: org.contact.clone(),
        })?;
        Ok(self.store.update_organisation(&org).await?)
    }
}

pub fn parse_org_type(s: &str) -> Result<OrgType> {
    OrgType::parse(s).ok_or_else(|| {
        ServiceError::bad(
            "type",
            format!("Onbekend organisatietype; kies uit: {}.", OrgType::codes().join(", ")),
            format!("Unknown organisation type; choose from: {}.", OrgType::codes().join(", ")),
        )
    })
}

pub fn parse_flow(s: &str) -> Result<PublicationFlow> {
    PublicationFlow::parse(s).ok_or_else(|| ServiceError::bad("flow", "Kies central of four_eyes.", "Choose central or four_eyes."))
}

pub fn parse_role(s: &str) -> Result<Role> {
    Role::parse(s).ok_or_else(|| ServiceError::bad("role", "Kies editor, approver of org_admin.", "Choose editor, approver or org_admin."))
}

/// The e-mail telling a person about a role in an organisation.
fn invitation_mail(to: &str, org: &str, body: String) -> algoreg_store::NewMail {
    algoreg_store::NewMail { to: to.to_string(), subject: format!("Uitnodiging: {org} / Invitation: {org}"), body, unsubscribe: None }
}

fn temporary_until() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now() + chrono::Duration::hours(crate::auth::TEMPORARY_PASSWORD_HOURS)
}

fn require_admin(actor: &Principal, org_id: OrgId) -> Result<()> {
    if actor.central_operator || actor.has(org_id, Role::OrgAdmin) {
        Ok(())
    } else {
        Err(ServiceError::forbidden("Alleen de beheerder van de organisatie mag dit.", "Only the organisation's admin may do this."))
    }
}

impl Orgs<'_> {
    /// Adds a person to the organisation with a role. A new account is made with a temporary password
    /// (returned once; it must be changed at first login and expires after
    /// [`crate::auth::TEMPORARY_PASSWORD_HOURS`]). An existing account is only invited: it joins when
    /// its holder accepts while logged in, and gets an e-mail saying so. Nobody's account is changed
    /// without its holder's consent.
    pub async fn invite(&self, actor: &Principal, org_id: OrgId, email: &str, name: &str, role: Role) -> Result<Added> {
        require_admin(actor, org_id)?;
        let email = email.trim();
        crate::auth::check_email(email)?;
        if name.trim().chars().count() > 200 {
            return Err(ServiceError::bad("name", "Geef een naam van hoogstens 200 tekens.", "Give a name of at most 200 characters."));
        }
        let org = self.store.organisation(org_id).await?.ok_or(ServiceError::NotFound("organisation"))?;
        match self.store.user_by_email(email).await? {
            Some(u) if actor.user_id == Some(u.id) => {
                self.store.set_membership(u.id, org_id, role).await?;
                self.note(actor, AuditKind::RoleGranted, org_id, Some(u.id), role.code()).await;
                Ok(Added::Own)
            }
            Some(u) => {
                let already = self.store.members(org_id).await?.iter().any(|(m, r)| m.id == u.id && *r == role);
                if !already {
                    let expires = chrono::Utc::now() + chrono::Duration::days(INVITATION_DAYS);
                    self.store
                        .create_invitation(&NewInvitation { org_id, user_id: u.id, role, invited_by: actor.user_id, expires_at: expires })
                        .await?;
                    let link = format!("{}/nl/beheer", self.public_url.trim_end_matches('/'));
                    let body = format!(
                        "U bent uitgenodigd om mee te werken aan het algoritmeregister van {org} als {role_nl}. Log in en neem de uitnodiging aan of wijs haar af:\n\n{link}\n\nDe uitnodiging geldt {days} dagen. Zonder uw instemming verandert er niets aan uw account.\n\n---\n\nYou are invited to work on the algorithm register of {org} as {role_en}. Log in to accept or decline:\n\n{link}\n\nThe invitation is valid for {days} days. Nothing about your account changes without your consent.\n",
                        org = org.name,
                        role_nl = role.label_nl(),
                        role_en = role.label_en(),
                        days = INVITATION_DAYS
                    );
                    self.store.queue_mail(&[invitation_mail(&u.email, &org.name, body)]).await?;
                    tracing::info!(org = %org_id, user = %u.id, role = role.code(), "invitation sent");
                    self.note(actor, AuditKind::InvitationSent, org_id, Some(u.id), role.code()).await;
                }
                Ok(Added::Invited)
            }
            None => {
                let name = if name.trim().is_empty() { email } else { name.trim() };
                // An organisation that requires single sign-on gives no password: the person logs in
                // through its identity provider. Otherwise a temporary password, shown once to the admin.
                let temp = (!org.require_sso).then(crate::auth::Auth::temporary_password);
                let hash = match &temp {
                    Some(t) => crate::auth::hash_password_off_thread(t).await?,
                    None => crate::sso::NO_PASSWORD.to_string(),
                };
                let u = self
                    .store
                    .create_user(&algoreg_store::NewUser {
                        email: email.into(),
                        name: name.into(),
                        password_hash: hash,
                        central_operator: false,
                        password_temporary_until: temp.as_ref().map(|_| temporary_until()),
                    })
                    .await?;
                self.store.set_membership(u.id, org_id, role).await?;
                let (detail, added) = match temp {
                    Some(t) => ("nieuw account / new account", Added::NewAccount(t)),
                    None => {
                        let link = format!("{}/nl/login", self.public_url.trim_end_matches('/'));
                        let body = format!(
                            "U kunt nu meewerken aan het algoritmeregister van {org} als {role_nl}. U logt in met het account van uw organisatie: kies op de inlogpagina de knop van uw organisatie.\n\n{link}\n\n---\n\nYou can now work on the algorithm register of {org} as {role_en}. You log in with your organisation's account: on the login page, choose your organisation's button.\n\n{link}\n",
                            org = org.name,
                            role_nl = role.label_nl(),
                            role_en = role.label_en(),
                        );
                        self.store.queue_mail(&[invitation_mail(&u.email, &org.name, body)]).await?;
                        ("nieuw account, SSO / new account, SSO", Added::SingleSignOn)
                    }
                };
                self.note(actor, AuditKind::RoleGranted, org_id, Some(u.id), &format!("{} ({detail})", role.code())).await;
                Ok(added)
            }
        }
    }

    /// Open invitations of the organisation (for its admin).
    pub async fn invitations(&self, actor: &Principal, org_id: OrgId) -> Result<Vec<algoreg_store::Invitation>> {
        require_admin(actor, org_id)?;
        Ok(self.store.invitations_of_org(org_id, chrono::Utc::now()).await?)
    }

    /// Withdraws an invitation of the organisation.
    pub async fn withdraw_invitation(&self, actor: &Principal, org_id: OrgId, id: i64) -> Result<()> {
        require_admin(actor, org_id)?;
        if !self.store.invitations_of_org(org_id, chrono::Utc::now()).await?.iter().any(|i| i.id == id) {
            return Err(ServiceError::NotFound("invitation"));
        }
        let inv = self.store.delete_invitation(id).await?;
        self.note(actor, AuditKind::InvitationWithdrawn, org_id, Some(inv.user_id), inv.role.code()).await;
        Ok(())
    }

    /// Takes a role (or every role) of a member away. Someone left with no role in the organisation
    /// no longer acts for it through the API tokens they made there either: those are revoked (how
    /// many is returned), since whoever made a token saw its secret.
    pub async fn remove_member(&self, actor: &Principal, org_id: OrgId, user_id: UserId, role: Option<Role>) -> Result<usize> {
        require_admin(actor, org_id)?;
        if actor.user_id == Some(user_id) && role.is_none_or(|r| r == Role::OrgAdmin) {
            return Err(ServiceError::bad("user", "U kunt uzelf niet als beheerder verwijderen.", "You cannot remove yourself as admin."));
        }
        let held = |ms: &[algoreg_store::Membership]| -> Vec<Role> { ms.iter().filter(|m| m.org_id == org_id).map(|m| m.role).collect() };
        let before = held(&self.store.memberships(user_id).await?);
        if before.is_empty() || role.is_some_and(|r| !before.contains(&r)) {
            // Nothing to take away: and nothing written about someone who is no member (the organisation's
            // log shows a member's own events while they are one).
            return Err(ServiceError::NotFound("member"));
        }
        self.store.remove_membership(user_id, org_id, role).await?;
        self.note(actor, AuditKind::RoleRevoked, org_id, Some(user_id), role.map(|r| r.code()).unwrap_or("alle rollen / all roles")).await;
        // The tokens the member made (as admin) that they could no longer make or hold: while they are
        // admin they may make any; otherwise only tokens of a role they still have stay, and none once
        // they have no role left.
        let left = held(&self.store.memberships(user_id).await?);
        let covered = |r: Role| left.contains(&Role::OrgAdmin) || left.contains(&r);
        let made = self.store.tokens(org_id).await?.into_iter().filter(|t| t.created_by == Some(user_id) && !t.revoked && !covered(t.role));
        let mut revoked = 0;
        for t in made {
            self.store.revoke_token(org_id, t.id).await?;
            let detail = format!("token:{} ({})", t.id, t.name);
            self.note(actor, AuditKind::TokenRevoked, org_id, Some(user_id), &detail).await;
            revoked += 1;
        }
        Ok(revoked)
    }

    /// Sets a new temporary password for a member of the organisation; returned once. Only for people
    /// whose every membership the caller administers (and never the central operator, unless the caller
    /// is one): anyone else resets their own password by an e-mailed link.
    pub async fn reset_password(&self, actor: &Principal, org_id: OrgId, user_id: UserId) -> Result<String> {
        require_admin(actor, org_id)?;
        let not_member =
            || ServiceError::forbidden("Deze persoon is geen lid van uw organisatie.", "This person is not a member of your organisation.");
        let is_member = self.store.members(org_id).await?.iter().any(|(u, _)| u.id == user_id);
        let target = self.store.user(user_id).await?.ok_or_else(not_member)?;
        if !is_member {
            return Err(not_member());
        }
        if actor.user_id == Some(user_id) {
            return Err(ServiceError::forbidden(
                "Uw eigen wachtwoord wijzigt u onder 'Mijn account'.",
                "You change your own password under 'My account'.",
            ));
        }
        let administers = |org: OrgId| actor.central_operator || actor.has(org, Role::OrgAdmin);
        // Open invitations count too: whoever sets the password could otherwise accept them.
        let elsewhere = self.store.memberships(user_id).await?.iter().any(|m| !administers(m.org_id))
            || self.store.invitations_for_user(user_id, chrono::Utc::now()).await?.iter().any(|i| !administers(i.org_id));
        // A supervisor reads across every organisation: only the central operator resets that password.
        if target.supervisor && !actor.central_operator {
            return Err(ServiceError::forbidden(
                "Deze persoon is toezichthouder. Alleen de persoon zelf (met 'Wachtwoord vergeten' op de inlogpagina) of de centrale beheerder kan het wachtwoord herstellen.",
                "This person is a supervisor. Only they (with 'Forgot password' on the login page) or the central operator can reset the password.",
            ));
        }
        if elsewhere || (target.central_operator && !actor.central_operator) {
            return Err(ServiceError::forbidden(
                "Deze persoon werkt ook voor een andere organisatie. Alleen de persoon zelf kan het wachtwoord herstellen, met 'Wachtwoord vergeten' op de inlogpagina.",
                "This person also works for another organisation. Only they can reset their password, with 'Forgot password' on the login page.",
            ));
        }
        let temp = crate::auth::Auth::temporary_password();
        let hash = crate::auth::hash_password_off_thread(&temp).await?;
        self.store.set_password(user_id, &hash, algoreg_store::PasswordSet::ByAdmin(temporary_until())).await?;
        // The holder hears of it, so a reset they did not ask for does not go unnoticed.
        let org = self.store.organisation(org_id).await?.map(|o| o.name).unwrap_or_default();
        let body = format!(
            "De beheerder van {org} heeft een tijdelijk wachtwoord gezet voor uw account in het algoritmeregister. Uw oude wachtwoord werkt niet meer. Vroeg u hier niet om, neem dan contact op met de beheerder, of kies zelf een nieuw wachtwoord met 'Wachtwoord vergeten' op de inlogpagina.\n\n---\n\nThe admin of {org} set a temporary password for your account in the algorithm register. Your old password no longer works. If you did not ask for this, contact the admin, or choose a new password yourself with 'Forgot password' on the login page.\n"
        );
        let mail = algoreg_store::NewMail::new(target.email.clone(), "Tijdelijk wachtwoord gezet / Temporary password set", body);
        // The password is set: a mail that cannot be queued does not take the admin's answer away.
        if let Err(e) = self.store.queue_mail(&[mail]).await {
            tracing::warn!(error = %e, user = %user_id, "the mail about a temporary password was not queued");
        }
        tracing::info!(org = %org_id, user = %user_id, by = ?actor.user_id, "temporary password set by an admin");
        self.note(actor, AuditKind::TemporaryPassword, org_id, Some(user_id), "").await;
        Ok(temp)
    }

    pub async fn create_token(
        &self,
        actor: &Principal,
        org_id: OrgId,
        role: Role,
        name: &str,
    ) -> Result<(algoreg_store::TokenInfo, String)> {
        require_admin(actor, org_id)?;
        let auth = crate::auth::Auth {
            store: self.store,
            guard: &crate::auth::LoginGuard::default(),
            public_url: self.public_url,
            operator_second_factor: true,
            second_factor_roles: &[],
            sso: self.sso,
            shared_limits: false,
        };
        auth.create_token(actor, org_id, role, name).await
    }

    pub async fn revoke_token(&self, actor: &Principal, org_id: OrgId, token_id: i64) -> Result<()> {
        require_admin(actor, org_id)?;
        self.store.revoke_token(org_id, token_id).await?;
        self.note(actor, AuditKind::TokenRevoked, org_id, None, &format!("token:{token_id}")).await;
        Ok(())
    }

    /// Whether the organisation's members must log in with a second factor (its admin or the operator).
    /// Members without one keep their account but act for the organisation only once they have one.
    pub async fn set_second_factor_required(&self, actor: &Principal, org_id: OrgId, required: bool) -> Result<()> {
        require_admin(actor, org_id)?;
        if required && actor.user_id.is_some() && !actor.central_operator {
            // An admin who would lock themselves out is told so first.
            let me = self.store.user(actor.user_id.unwrap_or(UserId(0))).await?;
            if me.is_some_and(|u| u.totp_secret.is_none()) {
                return Err(ServiceError::bad(
                    "require_second_factor",
                    "Zet eerst uw eigen tweestapsverificatie aan (Mijn account), anders sluit u uzelf buiten.",
                    "Turn on your own second factor first (My account), or you would lock yourself out.",
                ));
            }
        }
        self.store.set_second_factor_required(org_id, required).await?;
        self.note(actor, AuditKind::SecondFactorRequired, org_id, None, if required { "verplicht / required" } else { "vrij / optional" })
            .await;
        Ok(())
    }

    /// Whether the organisation's members act for it only after logging in through an identity provider
    /// (its admin or the operator; only where providers are configured). An admin who would lock
    /// themselves out (never logged in through a provider) is told so first.
    pub async fn set_sso_required(&self, actor: &Principal, org_id: OrgId, required: bool) -> Result<()> {
        require_admin(actor, org_id)?;
        let org = self.store.organisation(org_id).await?.ok_or(ServiceError::NotFound("organisation"))?;
        if required && !self.sso.serves_any(&org.code) {
            return Err(ServiceError::bad(
                "require_sso",
                "Voor deze organisatie is geen identiteitsprovider ingesteld (vraag de beheerder van het register).",
                "No identity provider is configured for this organisation (ask the register's operator).",
            ));
        }
        if required && !actor.central_operator {
            let me = match actor.user_id {
                Some(id) => self.store.user(id).await?,
                None => None,
            };
            let used_sso = me
                .and_then(|u| u.last_login)
                .is_some_and(|(_, m)| crate::sso::provider_of(&m).is_some_and(|name| self.sso.serves(name, &org.code)));
            if !used_sso {
                return Err(ServiceError::bad(
                    "require_sso",
                    "Log eerst zelf een keer in via de identiteitsprovider van uw organisatie, anders sluit u uzelf buiten.",
                    "First log in yourself through your organisation's identity provider, or you would lock yourself out.",
                ));
            }
        }
        self.store.set_sso_required(org_id, required).await?;
        self.note(actor, AuditKind::SsoRequired, org_id, None, if required { "verplicht / required" } else { "vrij / optional" }).await;
        Ok(())
    }

    async fn note(&self, actor: &Principal, kind: AuditKind, org: OrgId, subject: Option<UserId>, detail: &str) {
        let note = crate::audit::Note { kind, org: Some(org), subject, detail, source: None };
        crate::audit::write(self.store, crate::audit::Actor::Principal(actor), note).await;
    }

    pub async fn require_admin(&self, actor: &Principal, org_id: OrgId) -> Result<()> {
        require_admin(actor, org_id)
    }

    /// What the organisation's admin page shows: members with their roles, open invitations, tokens.
    pub async fn admin_view(&self, actor: &Principal, org_id: OrgId) -> Result<AdminView> {
        require_admin(actor, org_id)?;
        Ok(AdminView {
            members: self.store.members(org_id).await?,
            invitations: self.store.invitations_of_org(org_id, chrono::Utc::now()).await?,
            tokens: self.store.tokens(org_id).await?,
        })
    }

    /// Every organisation, by name (public).
    pub async fn list(&self) -> Result<Vec<Organisation>> {
        Ok(self.store.organisations().await?)
    }

    /// The organisation with this code, if there is one (public).
    pub async fn find_by_code(&self, code: &str) -> Result<Option<Organisation>> {
        Ok(self.store.organisation_by_code(code).await?)
    }
}

/// An organisation's members, open invitations and API tokens.
pub struct AdminView {
    pub members: Vec<(algoreg_store::User, Role)>,
    pub invitations: Vec<algoreg_store::Invitation>,
    pub tokens: Vec<algoreg_store::TokenInfo>,
}
