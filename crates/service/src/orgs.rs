//! Organisations and their members.

use crate::error::{Result, ServiceError};
use algoreg_domain::org::{is_valid_code, OrgType, PublicationFlow, Role};
use algoreg_domain::workflow::Principal;
use algoreg_store::{NewOrganisation, Organisation, Store};

pub struct Orgs<'a> {
    pub store: &'a dyn Store,
}

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
            flow: org.flow,
            about: None,
            contact: None,
        })?;
        Ok(self.store.update_organisation(&org).await?)
    }

    pub async fn add_member(&self, actor: &Principal, org_id: i64, user_id: i64, role: Role) -> Result<()> {
        if !(actor.central_operator || actor.has(org_id, Role::OrgAdmin)) {
            return Err(ServiceError::forbidden(
                "Alleen de beheerder van de organisatie mag leden toevoegen.",
                "Only the organisation's admin may add members.",
            ));
        }
        Ok(self.store.set_membership(user_id, org_id, role).await?)
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

fn require_admin(actor: &Principal, org_id: i64) -> Result<()> {
    if actor.central_operator || actor.has(org_id, Role::OrgAdmin) {
        Ok(())
    } else {
        Err(ServiceError::forbidden("Alleen de beheerder van de organisatie mag dit.", "Only the organisation's admin may do this."))
    }
}

impl Orgs<'_> {
    /// Adds a person to the organisation with a role. A new account gets a temporary password,
    /// returned once; an existing account keeps its password.
    pub async fn invite(&self, actor: &Principal, org_id: i64, email: &str, name: &str, role: Role) -> Result<Option<String>> {
        require_admin(actor, org_id)?;
        let email = email.trim();
        crate::auth::check_email(email)?;
        let (user, temp) = match self.store.user_by_email(email).await? {
            Some(u) => (u, None),
            None => {
                let temp = crate::auth::Auth::temporary_password();
                let hash = crate::auth::hash_password(&temp)?;
                let name = if name.trim().is_empty() { email } else { name.trim() };
                let u = self
                    .store
                    .create_user(&algoreg_store::NewUser {
                        email: email.into(),
                        name: name.into(),
                        password_hash: hash,
                        central_operator: false,
                    })
                    .await?;
                (u, Some(temp))
            }
        };
        self.store.set_membership(user.id, org_id, role).await?;
        Ok(temp)
    }

    pub async fn remove_member(&self, actor: &Principal, org_id: i64, user_id: i64, role: Option<Role>) -> Result<()> {
        require_admin(actor, org_id)?;
        if actor.user_id == Some(user_id) && role.is_none_or(|r| r == Role::OrgAdmin) {
            return Err(ServiceError::bad("user", "U kunt uzelf niet als beheerder verwijderen.", "You cannot remove yourself as admin."));
        }
        Ok(self.store.remove_membership(user_id, org_id, role).await?)
    }

    /// Sets a new temporary password for a member of the organisation; returned once.
    pub async fn reset_password(&self, actor: &Principal, org_id: i64, user_id: i64) -> Result<String> {
        require_admin(actor, org_id)?;
        let is_member = self.store.members(org_id).await?.iter().any(|(u, _)| u.id == user_id);
        let target = self.store.user(user_id).await?.ok_or(ServiceError::NotFound("user"))?;
        if !is_member || (target.central_operator && !actor.central_operator) {
            return Err(ServiceError::forbidden(
                "Deze persoon is geen lid van uw organisatie.",
                "This person is not a member of your organisation.",
            ));
        }
        let temp = crate::auth::Auth::temporary_password();
        self.store.set_password(user_id, &crate::auth::hash_password(&temp)?).await?;
        Ok(temp)
    }

    pub async fn create_token(&self, actor: &Principal, org_id: i64, role: Role, name: &str) -> Result<(algoreg_store::TokenInfo, String)> {
        require_admin(actor, org_id)?;
        let auth = crate::auth::Auth { store: self.store, guard: &crate::auth::LoginGuard::default() };
        auth.create_token(org_id, role, name, actor.user_id).await
    }

    pub async fn revoke_token(&self, actor: &Principal, org_id: i64, token_id: i64) -> Result<()> {
        require_admin(actor, org_id)?;
        Ok(self.store.revoke_token(org_id, token_id).await?)
    }

    pub async fn require_admin(&self, actor: &Principal, org_id: i64) -> Result<()> {
        require_admin(actor, org_id)
    }
}
