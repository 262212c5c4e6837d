<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ru" sourcelanguage="en">
<context>
    <name>AboutDialog</name>
    <message>
        <source>About the program</source>
        <translation>О программе</translation>
    </message>
    <message>
        <source>Version</source>
        <translation>Версия</translation>
    </message>
    <message>
        <source>Data directory</source>
        <translation>Каталог данных</translation>
    </message>
    <message>
        <source>Log directory</source>
        <translation>Каталог журналов</translation>
    </message>
    <message>
        <source>CUR workstation</source>
        <translation>Рабочее место ЦУР</translation>
    </message>
</context>
<context>
    <name>AdminPage</name>
    <message>
        <source>Users</source>
        <translation>Пользователи</translation>
    </message>
    <message>
        <source>Municipalities and executors</source>
        <translation>Муниципалитеты и исполнители</translation>
    </message>
    <message>
        <source>Audit log</source>
        <translation>Журнал действий</translation>
    </message>
    <message>
        <source>Login</source>
        <translation>Логин</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>Роль</translation>
    </message>
    <message>
        <source>Region</source>
        <translation>Регион</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Состояние</translation>
    </message>
    <message>
        <source>Since</source>
        <translation>Создан</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>Обновить</translation>
    </message>
    <message>
        <source>Add…</source>
        <translation>Добавить…</translation>
    </message>
    <message>
        <source>Disable / enable</source>
        <translation>Отключить / включить</translation>
    </message>
    <message>
        <source>Reset password…</source>
        <translation>Сбросить пароль…</translation>
    </message>
    <message>
        <source>Role and region…</source>
        <translation>Роль и регион…</translation>
    </message>
    <message>
        <source>CSV file (UTF-8 or Windows-1251, ; or , separated)</source>
        <translation>Файл CSV (UTF-8 или Windows-1251, разделитель ; или ,)</translation>
    </message>
    <message>
        <source>Region:</source>
        <translation>Регион:</translation>
    </message>
    <message>
        <source>Municipalities (id; name; population):</source>
        <translation>Муниципалитеты (id; name; population):</translation>
    </message>
    <message>
        <source>Executors (id; name; municipality_id):</source>
        <translation>Исполнители (id; name; municipality_id):</translation>
    </message>
    <message>
        <source>Check (dry run)</source>
        <translation>Проверить (пробный запуск)</translation>
    </message>
    <message>
        <source>Apply</source>
        <translation>Применить</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>Выбрать…</translation>
    </message>
    <message>
        <source>When</source>
        <translation>Когда</translation>
    </message>
    <message>
        <source>Who</source>
        <translation>Кто</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>Действие</translation>
    </message>
    <message>
        <source>Whom</source>
        <translation>Над кем</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>Подробности</translation>
    </message>
    <message>
        <source>active</source>
        <translation>активен</translation>
    </message>
    <message>
        <source>disabled</source>
        <translation>отключён</translation>
    </message>
    <message>
        <source>User %1 created</source>
        <translation>Пользователь %1 создан</translation>
    </message>
    <message>
        <source>User %1 enabled</source>
        <translation>Пользователь %1 включён</translation>
    </message>
    <message>
        <source>User %1 disabled</source>
        <translation>Пользователь %1 отключён</translation>
    </message>
    <message>
        <source>Password of %1 changed; its sessions ended</source>
        <translation>Пароль %1 изменён; его сеансы завершены</translation>
    </message>
    <message>
        <source>Role of %1 changed</source>
        <translation>Роль %1 изменена</translation>
    </message>
    <message>
        <source>Reset password</source>
        <translation>Сброс пароля</translation>
    </message>
    <message>
        <source>New password for %1:</source>
        <translation>Новый пароль для %1:</translation>
    </message>
    <message>
        <source>CSV file</source>
        <translation>Файл CSV</translation>
    </message>
    <message>
        <source>CSV files (*.csv *.txt)</source>
        <translation>Файлы CSV (*.csv *.txt)</translation>
    </message>
    <message>
        <source>Checked: nothing written yet. Press Apply to write.</source>
        <translation>Проверено: пока ничего не записано. Нажмите «Применить», чтобы записать.</translation>
    </message>
    <message>
        <source>The files have errors: nothing can be written.</source>
        <translation>В файлах есть ошибки: записать нельзя.</translation>
    </message>
    <message>
        <source>Written: %1 rows</source>
        <translation>Записано строк: %1</translation>
    </message>
</context>
<context>
    <name>AnswerEditor</name>
    <message>
        <source>Insert template</source>
        <translation>Вставить шаблон</translation>
    </message>
    <message>
        <source>Write the answer here or insert a template. The draft is saved as you type.</source>
        <translation>Напишите ответ или вставьте шаблон. Черновик сохраняется по мере набора.</translation>
    </message>
    <message>
        <source>Send (Ctrl+Enter)</source>
        <translation>Отправить (Ctrl+Enter)</translation>
    </message>
    <message>
        <source>Kind:</source>
        <translation>Вид:</translation>
    </message>
    <message>
        <source>Template:</source>
        <translation>Шаблон:</translation>
    </message>
    <message>
        <source>Draft restored</source>
        <translation>Черновик восстановлен</translation>
    </message>
    <message>
        <source>The incident has changed since you opened it (%1). Read its history before sending.</source>
        <translation>Инцидент изменился с момента, как вы его открыли (%1). Прочитайте историю перед отправкой.</translation>
    </message>
    <message>
        <source>another user</source>
        <translation>другой сотрудник</translation>
    </message>
    <message>
        <source>A note is not kept as a draft; Send adds it</source>
        <translation>Заметка не хранится как черновик; «Отправить» добавит её</translation>
    </message>
    <message>
        <source>Saving draft…</source>
        <translation>Сохраняю черновик…</translation>
    </message>
    <message>
        <source>Draft saved</source>
        <translation>Черновик сохранён</translation>
    </message>
    <message>
        <source>The note is empty.</source>
        <translation>Заметка пустая.</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>Отправка</translation>
    </message>
    <message>
        <source>The answer is empty.</source>
        <translation>Ответ пустой.</translation>
    </message>
    <message>
        <source>Fill in the gaps highlighted in yellow before sending: %1</source>
        <translation>Перед отправкой заполните пропуски, выделенные жёлтым: %1</translation>
    </message>
    <message>
        <source>Check the answer</source>
        <translation>Проверьте ответ</translation>
    </message>
    <message>
        <source>The quality check found problems:

%1

Send it anyway?</source>
        <translation>Проверка качества нашла замечания:

%1

Всё равно отправить?</translation>
    </message>
    <message>
        <source>Note queued for the server</source>
        <translation>Заметка в очереди на отправку</translation>
    </message>
    <message>
        <source>Sent to the outbox</source>
        <translation>Ответ в очереди на отправку</translation>
    </message>
    <message>
        <source>Note not saved: %1</source>
        <translation>Заметка не сохранена: %1</translation>
    </message>
    <message>
        <source>Not sent: %1</source>
        <translation>Не отправлено: %1</translation>
    </message>
    <message>
        <source>Note sent to the server</source>
        <translation>Заметка отправлена на сервер</translation>
    </message>
    <message>
        <source>Answer sent to the server</source>
        <translation>Ответ отправлен на сервер</translation>
    </message>
</context>
<context>
    <name>AttentionPanel</name>
    <message>
        <source>When</source>
        <translation>Когда</translation>
    </message>
    <message>
        <source>Change</source>
        <translation>Изменение</translation>
    </message>
    <message>
        <source>Why the server refused</source>
        <translation>Почему сервер отклонил</translation>
    </message>
    <message>
        <source>Text</source>
        <translation>Текст</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation>Повторить</translation>
    </message>
    <message>
        <source>Edit…</source>
        <translation>Исправить…</translation>
    </message>
    <message>
        <source>Discard…</source>
        <translation>Отказаться…</translation>
    </message>
    <message>
        <source>Nothing needs attention.</source>
        <translation>Нет изменений, требующих внимания.</translation>
    </message>
    <message>
        <source>Discard the change</source>
        <translation>Отказаться от изменения</translation>
    </message>
    <message>
        <source>The change will be dropped for good. Discard it?</source>
        <translation>Изменение будет удалено безвозвратно. Отказаться от него?</translation>
    </message>
    <message>
        <source>Internal note</source>
        <translation>Внутренняя заметка</translation>
    </message>
    <message>
        <source>Registration</source>
        <translation>Регистрация</translation>
    </message>
    <message>
        <source>Registration by hand</source>
        <translation>Регистрация обращения</translation>
    </message>
    <message>
        <source>Classification</source>
        <translation>Классификация</translation>
    </message>
    <message>
        <source>Status change</source>
        <translation>Смена статуса</translation>
    </message>
    <message>
        <source>Assignment</source>
        <translation>Назначение</translation>
    </message>
    <message>
        <source>Answer</source>
        <translation>Ответ</translation>
    </message>
    <message>
        <source>Answer state</source>
        <translation>Состояние ответа</translation>
    </message>
</context>
<context>
    <name>BulkActions</name>
    <message>
        <source>Take the selected incidents into work</source>
        <translation>Взять выделенные инциденты в работу</translation>
    </message>
    <message>
        <source>Assign the selected incidents to an operator</source>
        <translation>Назначить выделенные инциденты сотруднику</translation>
    </message>
    <message>
        <source>Route the selected incidents to an executor</source>
        <translation>Направить выделенные инциденты исполнителю</translation>
    </message>
    <message>
        <source>Reject as duplicates, merged into an original</source>
        <translation>Отклонить как дубликаты с объединением в основной</translation>
    </message>
    <message>
        <source>Reject as spam</source>
        <translation>Отклонить как спам</translation>
    </message>
    <message>
        <source>Reject as out of scope</source>
        <translation>Отклонить как не относящиеся к теме</translation>
    </message>
    <message>
        <source>Mark as unread</source>
        <translation>Отметить непрочитанным</translation>
    </message>
    <message>
        <source>Dismiss the reminder</source>
        <translation>Снять напоминание</translation>
    </message>
    <message>
        <source>Select several incidents</source>
        <translation>Выделить несколько инцидентов</translation>
    </message>
    <message>
        <source>Take</source>
        <translation>Взять в работу</translation>
    </message>
    <message>
        <source>Assign…</source>
        <translation>Назначить…</translation>
    </message>
    <message>
        <source>To executor…</source>
        <translation>Исполнителю…</translation>
    </message>
    <message>
        <source>Duplicate…</source>
        <translation>Дубликат…</translation>
    </message>
    <message>
        <source>Spam</source>
        <translation>Спам</translation>
    </message>
    <message>
        <source>Out of scope</source>
        <translation>Не по теме</translation>
    </message>
    <message>
        <source>Reject</source>
        <translation>Отклонить</translation>
    </message>
    <message>
        <source>Take %1 incident(s) into work?</source>
        <translation>Взять в работу инцидентов: %1?</translation>
    </message>
    <message>
        <source>Assign</source>
        <translation>Назначить</translation>
    </message>
    <message>
        <source>Operator:</source>
        <translation>Сотрудник:</translation>
    </message>
    <message>
        <source>Assign %1 incident(s) to %2?</source>
        <translation>Назначить сотруднику %2 инцидентов: %1?</translation>
    </message>
    <message>
        <source>Route</source>
        <translation>Направить исполнителю</translation>
    </message>
    <message>
        <source>Executor:</source>
        <translation>Исполнитель:</translation>
    </message>
    <message>
        <source>Route %1 incident(s) to %2?</source>
        <translation>Направить исполнителю «%2» инцидентов: %1?</translation>
    </message>
    <message>
        <source>Reject %1 incident(s) as spam?</source>
        <translation>Отклонить как спам инцидентов: %1?</translation>
    </message>
    <message>
        <source>Reject %1 incident(s) as out of scope?</source>
        <translation>Отклонить как не относящиеся к теме инцидентов: %1?</translation>
    </message>
    <message>
        <source>Select the original and its duplicates (at least two incidents), then pick the original.</source>
        <translation>Выделите основной инцидент и его дубликаты (не меньше двух), затем выберите основной.</translation>
    </message>
    <message>
        <source>Merge duplicates</source>
        <translation>Объединение дубликатов</translation>
    </message>
    <message>
        <source>The original incident:</source>
        <translation>Основной инцидент:</translation>
    </message>
    <message>
        <source>Reject %1 incident(s) as duplicates merged into the original?</source>
        <translation>Отклонить как дубликаты и объединить с основным инцидентов: %1?</translation>
    </message>
    <message>
        <source>At most %1 incidents at once: select fewer.</source>
        <translation>За один раз — не больше %1 инцидентов: выделите меньше.</translation>
    </message>
    <message>
        <source>Working on %1 incident(s)…</source>
        <translation>Выполняется для инцидентов: %1…</translation>
    </message>
    <message>
        <source>Done: %1.</source>
        <translation>Выполнено: %1.</translation>
    </message>
    <message>
        <source>Refused: %1.</source>
        <translation>Отказано: %1.</translation>
    </message>
    <message>
        <source>Bulk action</source>
        <translation>Групповое действие</translation>
    </message>
    <message>
        <source>Nothing to choose from.</source>
        <translation>Выбирать не из чего.</translation>
    </message>
</context>
<context>
    <name>Charts</name>
    <message>
        <source>hours</source>
        <translation>ч</translation>
    </message>
</context>
<context>
    <name>CrashDialog</name>
    <message>
        <source>Unexpected error</source>
        <translation>Непредвиденная ошибка</translation>
    </message>
    <message>
        <source>An unexpected error happened. The answer draft is saved; you can go on working, or restart the program if something looks wrong.</source>
        <translation>Произошла непредвиденная ошибка. Черновик ответа сохранён; можно продолжать работу или перезапустить программу, если что-то выглядит неправильно.</translation>
    </message>
    <message>
        <source>Error: %1</source>
        <translation>Ошибка: %1</translation>
    </message>
    <message>
        <source>The error report is saved to:
%1
Please send it to technical support.</source>
        <translation>Отчёт об ошибке сохранён в файл:
%1
Пожалуйста, отправьте его в техническую поддержку.</translation>
    </message>
    <message>
        <source>Further errors since then: %1 (written to the program&apos;s log).</source>
        <translation>Ещё ошибок с тех пор: %1 (записаны в журнал программы).</translation>
    </message>
</context>
<context>
    <name>DeadlineBoard</name>
    <message>
        <source>Operator</source>
        <translation>Оператор</translation>
    </message>
    <message>
        <source>Executor</source>
        <translation>Исполнитель</translation>
    </message>
    <message>
        <source>Municipality</source>
        <translation>Муниципалитет</translation>
    </message>
    <message>
        <source>All open</source>
        <translation>Все открытые</translation>
    </message>
    <message>
        <source>Overdue</source>
        <translation>Просрочены</translation>
    </message>
    <message>
        <source>Breach within the hour</source>
        <translation>Просрочка в ближайший час</translation>
    </message>
    <message>
        <source>Breach today</source>
        <translation>Просрочка сегодня</translation>
    </message>
    <message>
        <source>Reassign selected</source>
        <translation>Переназначить выбранные</translation>
    </message>
    <message>
        <source>Group by:</source>
        <translation>Группировать:</translation>
    </message>
    <message>
        <source>Show:</source>
        <translation>Показать:</translation>
    </message>
    <message>
        <source>To operator:</source>
        <translation>Оператору:</translation>
    </message>
    <message>
        <source>Time left</source>
        <translation>Осталось</translation>
    </message>
    <message>
        <source>Due</source>
        <translation>Срок</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Статус</translation>
    </message>
    <message>
        <source>Text</source>
        <translation>Текст</translation>
    </message>
    <message>
        <source>Answers waiting for approval</source>
        <translation>Ответы на согласовании</translation>
    </message>
    <message>
        <source>Sent</source>
        <translation>Отправлен</translation>
    </message>
    <message>
        <source>Author</source>
        <translation>Автор</translation>
    </message>
    <message>
        <source>Answer</source>
        <translation>Ответ</translation>
    </message>
    <message>
        <source>Approve</source>
        <translation>Согласовать</translation>
    </message>
    <message>
        <source>Return with a comment…</source>
        <translation>Вернуть с комментарием…</translation>
    </message>
    <message>
        <source>(not set)</source>
        <translation>(не указан)</translation>
    </message>
    <message>
        <source>Open: %1 · overdue: %2 · within the hour: %3 · by the end of the day: %4</source>
        <translation>Открыто: %1 · просрочено: %2 · в ближайший час: %3 · до конца дня: %4</translation>
    </message>
    <message>
        <source>(nobody)</source>
        <translation>(не назначены)</translation>
    </message>
    <message>
        <source>%1 open, %2 overdue</source>
        <translation>открыто %1, просрочено %2</translation>
    </message>
    <message>
        <source>Show more (%1 left)</source>
        <translation>Показать ещё (осталось %1)</translation>
    </message>
    <message>
        <source>Answers waiting for approval: %1</source>
        <translation>Ответы на согласовании: %1</translation>
    </message>
    <message>
        <source>Select incidents and the operator to move them to.</source>
        <translation>Выберите инциденты и оператора, которому их передать.</translation>
    </message>
    <message>
        <source>Reassigned to %1: %2</source>
        <translation>Передано оператору %1: %2</translation>
    </message>
    <message>
        <source>refused: %1</source>
        <translation>отказ: %1</translation>
    </message>
    <message>
        <source>Answer approved</source>
        <translation>Ответ согласован</translation>
    </message>
    <message>
        <source>Return the answer</source>
        <translation>Вернуть ответ</translation>
    </message>
    <message>
        <source>What must be corrected:</source>
        <translation>Что нужно исправить:</translation>
    </message>
    <message>
        <source>Answer returned for correction</source>
        <translation>Ответ возвращён на исправление</translation>
    </message>
</context>
<context>
    <name>DeadlineNotifier</name>
    <message>
        <source>CUR workstation</source>
        <translation>Рабочее место ЦУР</translation>
    </message>
    <message>
        <source>Deadline soon: less than a quarter of the time left</source>
        <translation>Срок скоро истекает: осталось меньше четверти времени</translation>
    </message>
    <message>
        <source>and %1 more</source>
        <translation>и ещё %1</translation>
    </message>
</context>
<context>
    <name>DefinitionsDialog</name>
    <message>
        <source>How the figures are computed</source>
        <translation>Как считаются показатели</translation>
    </message>
</context>
<context>
    <name>EditTextDialog</name>
    <message>
        <source>Edit the change</source>
        <translation>Исправить изменение</translation>
    </message>
</context>
<context>
    <name>EvidenceController</name>
    <message>
        <source>Not attached: %1</source>
        <translation>Не прикреплено: %1</translation>
    </message>
</context>
<context>
    <name>EvidenceStrip</name>
    <message>
        <source>Evidence (photos, acts):</source>
        <translation>Доказательства (фото, акты):</translation>
    </message>
    <message>
        <source>Attach photo or act…</source>
        <translation>Прикрепить фото или акт…</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Убрать</translation>
    </message>
    <message>
        <source>Drop photos (JPEG, PNG) or scanned acts (PDF) here</source>
        <translation>Перетащите сюда фото (JPEG, PNG) или скан акта (PDF)</translation>
    </message>
    <message>
        <source>PHOTO</source>
        <translation>ФОТО</translation>
    </message>
    <message>
        <source>not sent</source>
        <translation>не отправлено</translation>
    </message>
    <message>
        <source>waiting for upload</source>
        <translation>ожидает загрузки</translation>
    </message>
    <message>
        <source>uploaded %1%</source>
        <translation>загружено %1%</translation>
    </message>
    <message>
        <source>uploaded</source>
        <translation>загружено</translation>
    </message>
    <message>
        <source>on the server</source>
        <translation>на сервере</translation>
    </message>
    <message>
        <source>refused</source>
        <translation>отклонено</translation>
    </message>
    <message>
        <source>%1 KB</source>
        <translation>%1 КБ</translation>
    </message>
    <message>
        <source>%1 MB</source>
        <translation>%1 МБ</translation>
    </message>
    <message>
        <source>Attached by %1</source>
        <translation>Прикрепил(а) %1</translation>
    </message>
    <message>
        <source>Attach photo or act</source>
        <translation>Прикрепить фото или акт</translation>
    </message>
    <message>
        <source>Photos and acts (*.jpg *.jpeg *.png *.pdf);;All files (*)</source>
        <translation>Фото и акты (*.jpg *.jpeg *.png *.pdf);;Все файлы (*)</translation>
    </message>
</context>
<context>
    <name>FigureCard</name>
    <message>
        <source>%1 (%2: %3)</source>
        <translation>%1 (%2: %3)</translation>
    </message>
</context>
<context>
    <name>Format</name>
    <message>
        <source>%1 d %2 h</source>
        <translation>%1 д %2 ч</translation>
    </message>
    <message>
        <source>%1 h %2 min</source>
        <translation>%1 ч %2 мин</translation>
    </message>
    <message>
        <source>%1 min</source>
        <translation>%1 мин</translation>
    </message>
    <message>
        <source>%1 wd %2 h</source>
        <comment>working days and hours</comment>
        <translation>%1 дн %2 ч</translation>
    </message>
    <message>
        <source>overdue</source>
        <translation>просрочен</translation>
    </message>
    <message>
        <source>overdue by %1</source>
        <translation>просрочен на %1</translation>
    </message>
</context>
<context>
    <name>InboxMarks</name>
    <message>
        <source>Unread: new or changed since you last opened it</source>
        <translation>Не прочитан: новый или изменился с тех пор, как вы его открывали</translation>
    </message>
    <message>
        <source>Reminder due since %1</source>
        <translation>Напоминание с %1</translation>
    </message>
    <message>
        <source>Reminder at %1</source>
        <translation>Напоминание на %1</translation>
    </message>
</context>
<context>
    <name>InboxPage</name>
    <message>
        <source>Search the text (Ctrl+F)</source>
        <translation>Поиск по тексту (Ctrl+F)</translation>
    </message>
    <message>
        <source>Any status</source>
        <translation>Любой статус</translation>
    </message>
    <message>
        <source>Any source</source>
        <translation>Любой источник</translation>
    </message>
    <message>
        <source>Any priority</source>
        <translation>Любой приоритет</translation>
    </message>
    <message>
        <source>Any topic</source>
        <translation>Любая тема</translation>
    </message>
    <message>
        <source>Any municipality</source>
        <translation>Любой муниципалитет</translation>
    </message>
    <message>
        <source>Any executor</source>
        <translation>Любой исполнитель</translation>
    </message>
    <message>
        <source>Clear filters</source>
        <translation>Сбросить фильтры</translation>
    </message>
    <message>
        <source>From the statistics:</source>
        <translation>Из статистики:</translation>
    </message>
    <message>
        <source>Remove this filter</source>
        <translation>Убрать этот фильтр</translation>
    </message>
    <message>
        <source>%1 unread</source>
        <translation>непрочитанных: %1</translation>
    </message>
    <message>
        <source>Nothing found for «%1» with the chosen filters</source>
        <translation>Ничего не найдено по запросу «%1» с выбранными фильтрами</translation>
    </message>
    <message>
        <source>Nothing found for «%1»</source>
        <translation>Ничего не найдено по запросу «%1»</translation>
    </message>
    <message>
        <source>No incidents match the chosen filters</source>
        <translation>Нет инцидентов по выбранным фильтрам</translation>
    </message>
    <message>
        <source>There are no incidents in this view</source>
        <translation>В этом представлении нет инцидентов</translation>
    </message>
</context>
<context>
    <name>InboxTableModel</name>
    <message>
        <source>Time left</source>
        <translation>Осталось</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Статус</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>Источник</translation>
    </message>
    <message>
        <source>Topic</source>
        <translation>Тема</translation>
    </message>
    <message>
        <source>Municipality</source>
        <translation>Муниципалитет</translation>
    </message>
    <message>
        <source>Text</source>
        <translation>Текст</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>Поступил</translation>
    </message>
    <message>
        <source>Assignee</source>
        <translation>Оператор</translation>
    </message>
    <message>
        <source>Executor</source>
        <translation>Исполнитель</translation>
    </message>
    <message>
        <source>Changed here; waiting to be sent to the server</source>
        <translation>Изменено здесь; ждёт отправки на сервер</translation>
    </message>
    <message>
        <source>%1 (provisional)</source>
        <translation>%1 (предварительно)</translation>
    </message>
    <message>
        <source>prov. %1</source>
        <translation>предв. %1</translation>
    </message>
    <message>
        <source>Provisional: computed on this computer by the region&apos;s rules; the server has not confirmed the incident yet.</source>
        <translation>Предварительно: рассчитано на этом компьютере по правилам региона; сервер ещё не подтвердил инцидент.</translation>
    </message>
    <message>
        <source>Final answer</source>
        <translation>Окончательный ответ</translation>
    </message>
    <message>
        <source>First answer</source>
        <translation>Первичный ответ</translation>
    </message>
    <message>
        <source>%1 overdue</source>
        <translation>%1: срок истёк</translation>
    </message>
    <message>
        <source>Working time overdue: %1</source>
        <translation>Просрочено рабочего времени: %1</translation>
    </message>
    <message>
        <source>Calendar time overdue: %1</source>
        <translation>Просрочено календарного времени: %1</translation>
    </message>
    <message>
        <source>%1 due</source>
        <translation>%1: срок идёт</translation>
    </message>
    <message>
        <source>Working time left: %1</source>
        <translation>Осталось рабочего времени: %1</translation>
    </message>
    <message>
        <source>Calendar time left: %1</source>
        <translation>Осталось календарного времени: %1</translation>
    </message>
    <message>
        <source>Due: %1 (%2, region&apos;s time)</source>
        <translation>Срок: %1 (%2, время региона)</translation>
    </message>
</context>
<context>
    <name>IncidentCard</name>
    <message>
        <source>Open in browser</source>
        <translation>Открыть в браузере</translation>
    </message>
    <message>
        <source>Take (Ctrl+T)</source>
        <translation>Взять в работу (Ctrl+T)</translation>
    </message>
    <message>
        <source>Save classification</source>
        <translation>Сохранить классификацию</translation>
    </message>
    <message>
        <source>Double-click or Enter: open the duplicate&apos;s card</source>
        <translation>Двойной щелчок или Enter: открыть карточку дубликата</translation>
    </message>
    <message>
        <source>Merged duplicates:</source>
        <translation>Объединённые дубликаты:</translation>
    </message>
    <message>
        <source>Author:</source>
        <translation>Автор:</translation>
    </message>
    <message>
        <source>Source:</source>
        <translation>Источник:</translation>
    </message>
    <message>
        <source>Status:</source>
        <translation>Статус:</translation>
    </message>
    <message>
        <source>Deadline:</source>
        <translation>Срок:</translation>
    </message>
    <message>
        <source>Region:</source>
        <translation>Регион:</translation>
    </message>
    <message>
        <source>Municipality:</source>
        <translation>Муниципалитет:</translation>
    </message>
    <message>
        <source>Topic:</source>
        <translation>Тема:</translation>
    </message>
    <message>
        <source>Executor:</source>
        <translation>Исполнитель:</translation>
    </message>
    <message>
        <source>Resident&apos;s post:</source>
        <translation>Сообщение жителя:</translation>
    </message>
    <message>
        <source>History:</source>
        <translation>История:</translation>
    </message>
    <message>
        <source>Select an incident and press Enter to open it.</source>
        <translation>Выберите инцидент и нажмите Enter, чтобы открыть его.</translation>
    </message>
    <message>
        <source>You work in this region only: incidents cannot be moved to another one</source>
        <translation>Вы работаете только в этом регионе: перенести инцидент в другой нельзя</translation>
    </message>
    <message>
        <source>Merged duplicates: %1</source>
        <translation>Объединённые дубликаты: %1</translation>
    </message>
    <message>
        <source>Incident of %1</source>
        <translation>Инцидент от %1</translation>
    </message>
    <message>
        <source>Registered by hand; the contact the resident gave</source>
        <translation>Зарегистрировано вручную; контакт, который оставил житель</translation>
    </message>
    <message>
        <source>History (%1):</source>
        <translation>История (%1):</translation>
    </message>
    <message>
        <source>[made offline]</source>
        <translation>[сделано без связи]</translation>
    </message>
    <message>
        <source>(no name)</source>
        <translation>(без имени)</translation>
    </message>
    <message>
        <source>Phone call</source>
        <translation>Телефонный звонок</translation>
    </message>
    <message>
        <source>Letter</source>
        <translation>Письмо</translation>
    </message>
    <message>
        <source>Visit in person</source>
        <translation>Личный приём</translation>
    </message>
    <message>
        <source>%1 (region&apos;s time), %2</source>
        <translation>%1 (время региона), %2</translation>
    </message>
    <message>
        <source>%1 (region&apos;s time), %2 left</source>
        <translation>%1 (время региона), осталось %2</translation>
    </message>
    <message>
        <source>no contact</source>
        <translation>контакт не указан</translation>
    </message>
    <message>
        <source>assigned to %1</source>
        <translation>в работе у %1</translation>
    </message>
    <message>
        <source>%1 changes not yet sent</source>
        <translation>неотправленных изменений: %1</translation>
    </message>
    <message>
        <source>Already in your work</source>
        <translation>Уже у вас в работе</translation>
    </message>
    <message>
        <source>[rejected by the server: see Needs attention]</source>
        <translation>[отклонено сервером: см. «Требуют внимания»]</translation>
    </message>
    <message>
        <source>[made offline, not yet confirmed]</source>
        <translation>[сделано без связи, ещё не подтверждено]</translation>
    </message>
</context>
<context>
    <name>Labels</name>
    <message>
        <source>New</source>
        <translation>Новый</translation>
    </message>
    <message>
        <source>Moderation</source>
        <translation>На модерации</translation>
    </message>
    <message>
        <source>Sent to executor</source>
        <translation>Направлен исполнителю</translation>
    </message>
    <message>
        <source>First answer given</source>
        <translation>Дан первичный ответ</translation>
    </message>
    <message>
        <source>On control</source>
        <translation>На контроле</translation>
    </message>
    <message>
        <source>Answer review</source>
        <translation>Проверка ответа</translation>
    </message>
    <message>
        <source>Rework</source>
        <translation>На доработке</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>Закрыт</translation>
    </message>
    <message>
        <source>Rejected</source>
        <translation>Отклонён</translation>
    </message>
    <message>
        <source>Reopened</source>
        <translation>Переоткрыт</translation>
    </message>
    <message>
        <source>VK</source>
        <translation>ВКонтакте</translation>
    </message>
    <message>
        <source>Odnoklassniki</source>
        <translation>Одноклассники</translation>
    </message>
    <message>
        <source>Telegram</source>
        <translation>Telegram</translation>
    </message>
    <message>
        <source>Feedback platform</source>
        <translation>ПОС «Решаем вместе»</translation>
    </message>
    <message>
        <source>Appeal (59-FZ)</source>
        <translation>Обращение (59-ФЗ)</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>Другое</translation>
    </message>
    <message>
        <source>Low</source>
        <translation>Низкий</translation>
    </message>
    <message>
        <source>Normal</source>
        <translation>Обычный</translation>
    </message>
    <message>
        <source>High</source>
        <translation>Высокий</translation>
    </message>
    <message>
        <source>Interim answer</source>
        <translation>Промежуточный ответ</translation>
    </message>
    <message>
        <source>Answer with a solution</source>
        <translation>Ответ с решением</translation>
    </message>
    <message>
        <source>Final answer</source>
        <translation>Окончательный ответ</translation>
    </message>
    <message>
        <source>Internal note</source>
        <translation>Внутренняя заметка</translation>
    </message>
    <message>
        <source>Draft</source>
        <translation>Черновик</translation>
    </message>
    <message>
        <source>On approval</source>
        <translation>На согласовании</translation>
    </message>
    <message>
        <source>Approved</source>
        <translation>Согласован</translation>
    </message>
    <message>
        <source>Returned</source>
        <translation>Возвращён</translation>
    </message>
    <message>
        <source>Published</source>
        <translation>Опубликован</translation>
    </message>
    <message>
        <source>Operator</source>
        <translation>Оператор</translation>
    </message>
    <message>
        <source>Supervisor</source>
        <translation>Руководитель</translation>
    </message>
    <message>
        <source>Federal analyst</source>
        <translation>Федеральный аналитик</translation>
    </message>
    <message>
        <source>Administrator</source>
        <translation>Администратор</translation>
    </message>
    <message>
        <source>Mine</source>
        <translation>Мои</translation>
    </message>
    <message>
        <source>New incidents</source>
        <translation>Новые</translation>
    </message>
    <message>
        <source>Due soon</source>
        <translation>Скоро просрочка</translation>
    </message>
    <message>
        <source>Overdue</source>
        <translation>Просрочены</translation>
    </message>
    <message>
        <source>All</source>
        <translation>Все</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>CUR workstation</source>
        <translation>Рабочее место ЦУР</translation>
    </message>
    <message>
        <source>Preparing data…</source>
        <translation>Готовлю данные…</translation>
    </message>
    <message>
        <source>Inbox</source>
        <translation>Входящие</translation>
    </message>
    <message>
        <source>Deadlines</source>
        <translation>Сроки</translation>
    </message>
    <message>
        <source>Statistics</source>
        <translation>Статистика</translation>
    </message>
    <message>
        <source>Needs attention</source>
        <translation>Требуют внимания</translation>
    </message>
    <message>
        <source>CUR workstation — %1 (%2)</source>
        <translation>Рабочее место ЦУР — %1 (%2)</translation>
    </message>
    <message>
        <source>Administration</source>
        <translation>Администрирование</translation>
    </message>
    <message>
        <source>Error: %1</source>
        <translation>Ошибка: %1</translation>
    </message>
    <message>
        <source>The incident is no longer available.</source>
        <translation>Инцидент больше недоступен.</translation>
    </message>
    <message>
        <source>Taken into work</source>
        <translation>Взято в работу</translation>
    </message>
    <message>
        <source>Reminder set for %1</source>
        <translation>Напоминание установлено на %1</translation>
    </message>
    <message>
        <source>Classification saved</source>
        <translation>Классификация сохранена</translation>
    </message>
    <message>
        <source>Answer sent to the server</source>
        <translation>Ответ отправлен на сервер</translation>
    </message>
    <message>
        <source>Note sent to the server</source>
        <translation>Заметка отправлена на сервер</translation>
    </message>
    <message>
        <source>Note saved; it goes to the server when connected.</source>
        <translation>Заметка сохранена; уйдёт на сервер при связи.</translation>
    </message>
    <message>
        <source>The answer is in the outbox; it is sent when the server is reachable.</source>
        <translation>Ответ в очереди; он будет отправлен, когда сервер доступен.</translation>
    </message>
    <message>
        <source>Move in the list</source>
        <translation>Перемещение по списку</translation>
    </message>
    <message>
        <source>Open the selected incident</source>
        <translation>Открыть выбранный инцидент</translation>
    </message>
    <message>
        <source>Take the selected incident into work</source>
        <translation>Взять выбранный инцидент в работу</translation>
    </message>
    <message>
        <source>Answer: open the incident and go to the editor</source>
        <translation>Ответить: открыть инцидент и перейти в редактор</translation>
    </message>
    <message>
        <source>Send the answer (after the quality check)</source>
        <translation>Отправить ответ (после проверки качества)</translation>
    </message>
    <message>
        <source>Register an incident by hand (call, letter, visit)</source>
        <translation>Зарегистрировать обращение вручную (звонок, письмо, приём)</translation>
    </message>
    <message>
        <source>Next overdue incident</source>
        <translation>Следующий просроченный инцидент</translation>
    </message>
    <message>
        <source>Search the text</source>
        <translation>Поиск по тексту</translation>
    </message>
    <message>
        <source>Saved views: Mine, New, Due soon, Overdue, On control, All</source>
        <translation>Представления: Мои, Новые, Скоро просрочка, Просрочены, На контроле, Все</translation>
    </message>
    <message>
        <source>Back to the list</source>
        <translation>Вернуться к списку</translation>
    </message>
    <message>
        <source>Synchronise now</source>
        <translation>Синхронизировать сейчас</translation>
    </message>
    <message>
        <source>This list</source>
        <translation>Этот список</translation>
    </message>
    <message>
        <source>&amp;Incident</source>
        <translation>&amp;Инцидент</translation>
    </message>
    <message>
        <source>&amp;Register an incident…</source>
        <translation>&amp;Зарегистрировать обращение…</translation>
    </message>
    <message>
        <source>Incident registered; it is sent when the server is reachable.</source>
        <translation>Обращение зарегистрировано; оно уйдёт на сервер, когда будет связь.</translation>
    </message>
</context>
<context>
    <name>Quality</name>
    <message>
        <source>The answer is too short to say anything: write what will be done, by whom and when.</source>
        <translation>Ответ слишком короткий и ничего не сообщает: напишите, что будет сделано, кем и когда.</translation>
    </message>
    <message>
        <source>Only a stock phrase (&quot;taken into work&quot;, &quot;information passed on&quot;): residents call this a brush-off. Say what exactly will be done and when.</source>
        <translation>Только дежурная фраза («взято в работу», «информация передана»): жители называют такие ответы отписками. Напишите, что именно и когда будет сделано.</translation>
    </message>
    <message>
        <source>No date or deadline: name a concrete date by which the problem will be solved or when it was solved.</source>
        <translation>Нет даты или срока: укажите конкретную дату, к которой проблему решат или когда её решили.</translation>
    </message>
    <message>
        <source>The answer sends the resident to another body. Forward the message yourself and tell the resident it has been done.</source>
        <translation>Ответ отправляет жителя в другую организацию. Перешлите сообщение сами и сообщите жителю, что это сделано.</translation>
    </message>
    <message>
        <source>Full official name of a law or a body: use the short, plain name instead.</source>
        <translation>Полное официальное название закона или органа: используйте короткое понятное название.</translation>
    </message>
    <message>
        <source>The answer is long: short and informative answers are read; keep what the resident needs to know.</source>
        <translation>Ответ длинный: читают короткие и информативные ответы; оставьте то, что важно жителю.</translation>
    </message>
    <message>
        <source>Asks for a rating although nothing has been solved yet: ask for it only after the problem is solved.</source>
        <translation>Просьба об оценке, хотя проблема ещё не решена: просите оценить только после решения.</translation>
    </message>
    <message>
        <source>Says the work was done but offers no proof: attach a photo or an act and mention it.</source>
        <translation>Сказано, что работы выполнены, но нет подтверждения: приложите фото или акт и упомяните их.</translation>
    </message>
    <message>
        <source>A template variable was left unfilled: replace it with the real value.</source>
        <translation>Осталась незаполненная переменная шаблона: замените её настоящим значением.</translation>
    </message>
    <message>
        <source>A gap is left where the template did not know the value (highlighted in yellow): write the real value in its place or rephrase the sentence. The answer is not sent while a gap remains.</source>
        <translation>В тексте остался пропуск там, где шаблон не знал значения (выделен жёлтым): впишите настоящее значение или перестройте фразу. Пока пропуск не заполнен, ответ не отправляется.</translation>
    </message>
</context>
<context>
    <name>RatingsPanel</name>
    <message>
        <source>Region</source>
        <translation>Регион</translation>
    </message>
    <message>
        <source>Processing share</source>
        <translation>Доля обработки</translation>
    </message>
    <message>
        <source>Place</source>
        <translation>Место</translation>
    </message>
    <message>
        <source>Mean first answer</source>
        <translation>Среднее время ответа</translation>
    </message>
    <message>
        <source>Change on the month before</source>
        <translation>Изменение к прошлому месяцу</translation>
    </message>
    <message>
        <source>Per 1,000 residents</source>
        <translation>На 1000 жителей</translation>
    </message>
    <message>
        <source>The rating has not been received yet.</source>
        <translation>Рейтинг ещё не получен.</translation>
    </message>
    <message>
        <source>Month %1: %2 regions ranked. National mean first answer %3 (%4 on the month before).</source>
        <translation>Месяц %1: в рейтинге регионов — %2. Среднее время первичного ответа по стране %3 (%4 к прошлому месяцу).</translation>
    </message>
    <message>
        <source>Offline: a local copy of the figures the server computed at %1.</source>
        <translation>Нет связи: локальная копия показателей, рассчитанных сервером %1.</translation>
    </message>
    <message>
        <source>Computed by the server at %1.</source>
        <translation>Рассчитано сервером %1.</translation>
    </message>
    <message>
        <source>Only your region&apos;s row and places are shown to regional users.</source>
        <translation>Региональным пользователям показываются только строка и места своего региона.</translation>
    </message>
</context>
<context>
    <name>RegisterDialog</name>
    <message>
        <source>Register an incident</source>
        <translation>Регистрация обращения</translation>
    </message>
    <message>
        <source>Full name, as the resident gave it</source>
        <translation>ФИО, как назвал себя житель</translation>
    </message>
    <message>
        <source>Phone, e-mail or postal address</source>
        <translation>Телефон, e-mail или почтовый адрес</translation>
    </message>
    <message>
        <source>What the resident reports or asks, in their words</source>
        <translation>О чём сообщает или что просит житель, его словами</translation>
    </message>
    <message>
        <source>Incidents are registered in your own region only</source>
        <translation>Обращения регистрируются только в вашем регионе</translation>
    </message>
    <message>
        <source>Register</source>
        <translation>Зарегистрировать</translation>
    </message>
    <message>
        <source>Channel:</source>
        <translation>Канал:</translation>
    </message>
    <message>
        <source>Resident:</source>
        <translation>Житель:</translation>
    </message>
    <message>
        <source>Contact:</source>
        <translation>Контакт:</translation>
    </message>
    <message>
        <source>Received (region&apos;s time):</source>
        <translation>Поступило (время региона):</translation>
    </message>
    <message>
        <source>Region:</source>
        <translation>Регион:</translation>
    </message>
    <message>
        <source>Municipality:</source>
        <translation>Муниципалитет:</translation>
    </message>
    <message>
        <source>Topic:</source>
        <translation>Тема:</translation>
    </message>
    <message>
        <source>Text of the appeal:</source>
        <translation>Текст обращения:</translation>
    </message>
    <message>
        <source>Enter the text of the appeal.</source>
        <translation>Введите текст обращения.</translation>
    </message>
</context>
<context>
    <name>ReminderOffer</name>
    <message>
        <source>Remind me</source>
        <translation>Напомнить</translation>
    </message>
    <message>
        <source>The answer promises «%1». Remind me:</source>
        <translation>В ответе обещание «%1». Напомнить:</translation>
    </message>
</context>
<context>
    <name>ShortcutsDialog</name>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>Сочетания клавиш</translation>
    </message>
    <message>
        <source>Keys</source>
        <translation>Клавиши</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>Действие</translation>
    </message>
</context>
<context>
    <name>SignInDialog</name>
    <message>
        <source>Sign in — CUR workstation</source>
        <translation>Вход — рабочее место ЦУР</translation>
    </message>
    <message>
        <source>Without a connection you can still work if you have signed in on this computer before: your data is unlocked locally and sent when the server is back.</source>
        <translation>Без связи можно работать, если вы уже входили на этом компьютере: данные открываются локально, а изменения отправятся, когда сервер снова будет доступен.</translation>
    </message>
    <message>
        <source>Server:</source>
        <translation>Сервер:</translation>
    </message>
    <message>
        <source>Login:</source>
        <translation>Логин:</translation>
    </message>
    <message>
        <source>Password:</source>
        <translation>Пароль:</translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation>Войти</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Отмена</translation>
    </message>
    <message>
        <source>CUR operator workstation</source>
        <translation>Рабочее место оператора ЦУР</translation>
    </message>
    <message>
        <source>Signing in…</source>
        <translation>Вход…</translation>
    </message>
    <message>
        <source>Sign-in failed: %1</source>
        <translation>Не удалось войти: %1</translation>
    </message>
</context>
<context>
    <name>StatisticsTab</name>
    <message>
        <source>Day</source>
        <translation>День</translation>
    </message>
    <message>
        <source>Week</source>
        <translation>Неделя</translation>
    </message>
    <message>
        <source>Month</source>
        <translation>Месяц</translation>
    </message>
    <message>
        <source>Quarter</source>
        <translation>Квартал</translation>
    </message>
    <message>
        <source>Year</source>
        <translation>Год</translation>
    </message>
    <message>
        <source>Custom</source>
        <translation>Произвольный</translation>
    </message>
    <message>
        <source>to</source>
        <translation>по</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>Обновить</translation>
    </message>
    <message>
        <source>Definitions</source>
        <translation>Определения</translation>
    </message>
    <message>
        <source>Excel</source>
        <translation>Excel</translation>
    </message>
    <message>
        <source>CSV</source>
        <translation>CSV</translation>
    </message>
    <message>
        <source>PDF report</source>
        <translation>Отчёт PDF</translation>
    </message>
    <message>
        <source>Period:</source>
        <translation>Период:</translation>
    </message>
    <message>
        <source>Export:</source>
        <translation>Выгрузка:</translation>
    </message>
    <message>
        <source>Operators</source>
        <translation>Операторы</translation>
    </message>
    <message>
        <source>Executors</source>
        <translation>Исполнители</translation>
    </message>
    <message>
        <source>Municipalities</source>
        <translation>Муниципалитеты</translation>
    </message>
    <message>
        <source>Topics</source>
        <translation>Темы</translation>
    </message>
    <message>
        <source>Sources</source>
        <translation>Источники</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Название</translation>
    </message>
    <message>
        <source>Incidents</source>
        <translation>Инцидентов</translation>
    </message>
    <message>
        <source>Mean first answer</source>
        <translation>Среднее время ответа</translation>
    </message>
    <message>
        <source>Mean, working time</source>
        <translation>Среднее, рабочее время</translation>
    </message>
    <message>
        <source>Processed</source>
        <translation>Обработано</translation>
    </message>
    <message>
        <source>Overdue, count</source>
        <translation>Просрочено</translation>
    </message>
    <message>
        <source>Group by:</source>
        <translation>Группировать:</translation>
    </message>
    <message>
        <source>Double-click a row to open its incidents in the inbox.</source>
        <translation>Двойной щелчок по строке открывает её инциденты во Входящих.</translation>
    </message>
    <message>
        <source>Operator</source>
        <translation>Оператор</translation>
    </message>
    <message>
        <source>Executor</source>
        <translation>Исполнитель</translation>
    </message>
    <message>
        <source>Municipality</source>
        <translation>Муниципалитет</translation>
    </message>
    <message>
        <source>Topic</source>
        <translation>Тема</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>Источник</translation>
    </message>
    <message>
        <source>Received: %1</source>
        <translation>Получено: %1</translation>
    </message>
    <message>
        <source>Incidents per day by source</source>
        <translation>Инциденты по дням и источникам</translation>
    </message>
    <message>
        <source>Mean first-answer time per day</source>
        <translation>Среднее время первичного ответа по дням</translation>
    </message>
    <message>
        <source>Load: weekday × hour</source>
        <translation>Нагрузка: день недели × час</translation>
    </message>
    <message>
        <source>Charts</source>
        <translation>Графики</translation>
    </message>
    <message>
        <source>Tables</source>
        <translation>Таблицы</translation>
    </message>
    <message>
        <source>Federal rating</source>
        <translation>Федеральный рейтинг</translation>
    </message>
    <message>
        <source>Previous period (Alt+←)</source>
        <translation>Предыдущий период (Alt+←)</translation>
    </message>
    <message>
        <source>Next period (Alt+→)</source>
        <translation>Следующий период (Alt+→)</translation>
    </message>
    <message>
        <source>Computing…</source>
        <translation>Расчёт…</translation>
    </message>
    <message>
        <source>No rating for %1: the server is not reachable and no copy is kept.</source>
        <translation>Рейтинга за %1 нет: сервер недоступен, а локальной копии нет.</translation>
    </message>
    <message>
        <source>The statistics could not be computed (see the log).</source>
        <translation>Не удалось рассчитать статистику (подробности в журнале).</translation>
    </message>
    <message>
        <source>%1 — compared with %2. Computed at %3. Working time known for %4 of %5 answers.</source>
        <translation>%1 — в сравнении с периодом «%2». Рассчитано в %3. Рабочее время известно для %4 из %5 ответов.</translation>
    </message>
</context>
<context>
    <name>SupervisorPages</name>
    <message>
        <source>Nothing to export yet: the statistics are being computed.</source>
        <translation>Выгружать пока нечего: статистика ещё рассчитывается.</translation>
    </message>
    <message>
        <source>Export the statistics</source>
        <translation>Выгрузка статистики</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>Выгрузка</translation>
    </message>
    <message>
        <source>The file could not be written: %1</source>
        <translation>Не удалось записать файл: %1</translation>
    </message>
    <message>
        <source>Saved: %1</source>
        <translation>Сохранено: %1</translation>
    </message>
</context>
<context>
    <name>SyncStatusBar</name>
    <message>
        <source>Sync now</source>
        <translation>Синхронизировать</translation>
    </message>
    <message>
        <source>Synchronise with the server now (F5)</source>
        <translation>Синхронизироваться с сервером сейчас (F5)</translation>
    </message>
    <message>
        <source>Not synchronised yet</source>
        <translation>Ещё не синхронизировано</translation>
    </message>
    <message>
        <source>OFFLINE: changes are kept and sent later</source>
        <translation>БЕЗ СВЯЗИ: изменения сохраняются и уйдут позже</translation>
    </message>
    <message>
        <source>Online</source>
        <translation>На связи</translation>
    </message>
    <message>
        <source>Server unreachable; retrying</source>
        <translation>Сервер недоступен; повторяю попытки</translation>
    </message>
    <message>
        <source>Up to date at %1</source>
        <translation>Данные актуальны на %1</translation>
    </message>
    <message>
        <source>Sync stopped: %1</source>
        <translation>Синхронизация остановлена: %1</translation>
    </message>
    <message>
        <source>Syncing ↑%1 ↓%2</source>
        <translation>Синхронизация ↑%1 ↓%2</translation>
    </message>
    <message>
        <source>less than a minute left</source>
        <translation>осталось меньше минуты</translation>
    </message>
    <message>
        <source>about %1 min left</source>
        <translation>осталось ≈ %1 мин</translation>
    </message>
    <message>
        <source>%1 need attention</source>
        <translation>Требуют внимания: %1</translation>
    </message>
</context>
<context>
    <name>UserDialog</name>
    <message>
        <source>User</source>
        <translation>Пользователь</translation>
    </message>
    <message>
        <source>Role and region</source>
        <translation>Роль и регион</translation>
    </message>
    <message>
        <source>at least 8 characters</source>
        <translation>не короче 8 символов</translation>
    </message>
    <message>
        <source>Login:</source>
        <translation>Логин:</translation>
    </message>
    <message>
        <source>Password:</source>
        <translation>Пароль:</translation>
    </message>
    <message>
        <source>Role:</source>
        <translation>Роль:</translation>
    </message>
    <message>
        <source>Region:</source>
        <translation>Регион:</translation>
    </message>
</context>
<context>
    <name>WindowSession</name>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Справка</translation>
    </message>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>Сочетания клавиш</translation>
    </message>
    <message>
        <source>About the program</source>
        <translation>О программе</translation>
    </message>
    <message>
        <source>Preparing demo data (regions, municipalities, executors, 90 days of history)…</source>
        <translation>Готовлю демонстрационные данные (регионы, муниципалитеты, исполнители, история за 90 дней)…</translation>
    </message>
    <message>
        <source>Starting the local CUR server…</source>
        <translation>Запускаю локальный сервер ЦУР…</translation>
    </message>
    <message>
        <source>Signing in and fetching the data…</source>
        <translation>Вхожу и получаю данные…</translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <translation>%1 из %2</translation>
    </message>
    <message>
        <source>Sign in to start work.</source>
        <translation>Войдите, чтобы начать работу.</translation>
    </message>
</context>
</TS>
